/**
 * kernelModule: a kernel module loaded now (modprobe) and at every boot
 * (/etc/modules-load.d/NAME.conf, read by systemd-modules-load), with its
 * options in /etc/modprobe.d/NAME.conf — vhost_net and br_netfilter for a
 * hypervisor. A kernel without the module, or one that loads none, is a
 * clear error before anything is written.
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { fileFact } from '../src/facts/file.ts'
import { kernelModuleFact, moduleKey } from '../src/facts/kernel-module.ts'
import { commandStep } from '../src/core/step.ts'
import { resource } from '../src/core/resource.ts'
import { sh } from '../src/core/quote.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { planFile, fileWish } from './file.ts'
import { boolean, checkOptions, literal, object, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface KernelModuleOptions extends TaskOptions {
  /** The module: 'vhost_net', 'br_netfilter', 'kvm_intel'. */
  module: string
  /** Its options, as modprobe takes them: 'nested=1'. Written to /etc/modprobe.d/NAME.conf. */
  params?: string
  /** Also load it at boot (modules-load.d). Default true. */
  persist?: boolean
  /**
   * Where this kernel loads no modules at all (none built in, as in a
   * container on a microVM's kernel, or modules_disabled): 'fail' (the
   * default) or 'persist' — write the files for the kernel the host boots
   * next, say it was not loaded, and go on.
   */
  onUnloadable?: 'fail' | 'persist'
}

/** What kernelModule() takes, checked when the playbook loads (shape.ts). */
export const kernelModuleShape = object<KernelModuleOptions>({
  ...taskOptionFields,
  module: required(string),
  params: string,
  persist: boolean,
  onUnloadable: literal('fail', 'persist'),
})

export const modulesLoadPath = (name: string) => `/etc/modules-load.d/${name}.conf`
export const modprobeConfPath = (name: string) => `/etc/modprobe.d/${name}.conf`

/**
 * @example
 * ```ts
 * kernelModule({ module: 'vhost_net' })
 * kernelModule({ module: 'kvm_intel', params: 'nested=1' })
 * ```
 */
export function kernelModule(opts: KernelModuleOptions): Task {
  checkOptions('kernelModule', opts, kernelModuleShape)
  const name = opts.module
  if (!/^[A-Za-z0-9_-]{1,55}$/.test(name)) throw new KvmplayError('validation', `kernelModule: invalid module name ${JSON.stringify(name)}`)
  const params = opts.params?.trim()
  if (params !== undefined && !/^[A-Za-z0-9_.,=:-]+( [A-Za-z0-9_.,=:-]+)*$/.test(params)) {
    throw new KvmplayError('validation', `kernelModule ${name}: invalid params ${JSON.stringify(opts.params)}: expected KEY=VALUE words, as modprobe takes them`)
  }
  const persist = opts.persist ?? true
  const loadFile = modulesLoadPath(name)
  const confFile = modprobeConfPath(name)
  return defineTask(
    {
      name: `kernel module ${name}${params ? ` (${params})` : ''}`,
      facts: () => ({ mod: factRequest(kernelModuleFact, name), load: factRequest(fileFact, loadFile), conf: factRequest(fileFact, confFile) }),
      plan: (host, { mod, load, conf }) => {
        const notes: string[] = []
        const loadNow = mod.loadable || opts.onUnloadable !== 'persist'
        if (!loadNow) notes.push(`${name} not loaded now: ${mod.why}; written for the next boot (onUnloadable: 'persist')`)
        if (!mod.loaded && !mod.builtin && loadNow) {
          if (!mod.loadable) throw new KvmplayError('precondition', `${host.name}: cannot load ${name}: ${mod.why} (onUnloadable: 'persist' writes its files all the same)`)
          if (!mod.available) {
            throw new KvmplayError('precondition', `${host.name}: kernel ${mod.kernel} has no module ${name} (modinfo finds none under /lib/modules/${mod.kernel}): check the name, or install the kernel's extra modules package`)
          }
        }
        const steps: Step[] = []
        // Options first, so the modprobe below (and every boot's) reads them.
        if (params !== undefined) {
          const wish = fileWish({ path: confFile, content: `# kvmplay: options for ${name}\noptions ${moduleKey(name)} ${params}\n`, mode: '0644' })
          const fileSteps = planFile(wish, conf)
          steps.push(...fileSteps)
          if (fileSteps.length && mod.loaded) notes.push(`${name} is loaded with its old options: the new ones apply when it is next loaded (reboot, or modprobe -r ${name})`)
          if (mod.builtin) notes.push(`${name} is built into the kernel: its options go on the kernel command line (${moduleKey(name)}.${params.split(' ')[0]})`)
        }
        if (persist && !mod.builtin) steps.push(...planFile(fileWish({ path: loadFile, content: `# kvmplay: load ${name} at boot\n${name}\n`, mode: '0644' }), load))
        if (!mod.loaded && !mod.builtin && loadNow) {
          // Its options come from modprobe.d, written above.
          steps.push(commandStep(`load ${name} now (modprobe)`, sh`modprobe -- ${name}`, { touches: [resource.kernelModule(moduleKey(name)), resource.sysctl(), resource.links] }))
        }
        const state = mod.builtin ? 'built in' : mod.loaded ? 'loaded' : 'set to load at boot'
        const reason = steps.length ? notes.join('; ') || undefined : [`${name} is ${state}${persist && !mod.builtin ? ` and in ${loadFile}` : ''}`, ...notes].join('; ')
        return { steps, reason }
      },
    },
    opts,
  )
}
