/**
 * A kernel module as the running kernel sees it: loaded (/proc/modules),
 * built in (modules.builtin: nothing to load), available to modprobe
 * (modinfo finds it), and whether this kernel loads modules at all — no
 * /proc/modules (a kernel built without module support, such as a
 * microVM's) or kernel.modules_disabled = 1.
 */
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import { KvmplayError } from '../core/errors.ts'
import { sections } from './sections.ts'
import type { Fact } from './fact.ts'

export interface ModuleState {
  /** The kernel loads modules: /proc/modules exists and modules_disabled is not 1. */
  loadable: boolean
  /** Why not, where not. */
  why?: string
  loaded: boolean
  builtin: boolean
  /** modinfo finds it for the running kernel. */
  available: boolean
  /** uname -r, for messages. */
  kernel: string
}

/** modprobe treats - and _ alike; /proc/modules and modules.builtin spell names with _. */
export const moduleKey = (name: string) => name.replace(/-/g, '_')

export function parseModuleState(text: string, name: string): ModuleState {
  const s = sections(text)
  const kernel = (s.get('kernel') ?? [''])[0]
  const key = moduleKey(name)
  const loaded = (s.get('loaded') ?? []).some((l) => l.split(' ')[0] === key)
  const builtin = (s.get('builtin') ?? []).some((l) => moduleKey(l.trim().replace(/^.*\//, '').replace(/\.ko(\.\w+)?$/, '')) === key)
  const found = (s.get('found') ?? []).join('').trim()
  const base = { loaded, builtin, available: found !== '' || builtin, kernel }
  if (s.has('nomodules')) return { ...base, loadable: false, why: `kernel ${kernel} has no loadable module support (/proc/modules is absent)` }
  if ((s.get('disabled') ?? [])[0]?.trim() === '1') return { ...base, loadable: false, why: 'module loading is switched off (kernel.modules_disabled = 1, until reboot)' }
  return { ...base, loadable: true }
}

export const kernelModuleFact: Fact<ModuleState, string> = {
  name: 'kernel-module',
  describe: (name) => `kernel module ${name}`,
  reads: (name) => [resource.kernelModule(moduleKey(name))],
  command: (name) =>
    [
      "echo '#kernel'; uname -r",
      "[ -e /proc/modules ] || { echo '#nomodules'; exit 0; }",
      "echo '#disabled'; cat /proc/sys/kernel/modules_disabled 2>/dev/null",
      `echo '#loaded'; ${sh`grep -E -- ${`^${moduleKey(name)} `} /proc/modules`}`,
      `echo '#builtin'; cat "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null | ${sh`grep -E -- ${`/${name.replace(/[-_]/g, '[-_]')}\\.ko`}`}`,
      `echo '#found'; ${sh`modinfo -n -- ${name}`} 2>/dev/null`,
      'exit 0',
    ].join('\n'),
  parse: (res, name) => {
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read kernel module ${name} (exit ${res.code}): ${res.stderr.trim()}`)
    return parseModuleState(res.stdout, name)
  },
}
