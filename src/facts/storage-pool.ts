/**
 * One libvirt storage pool, by virsh: whether libvirt has it, its state,
 * autostart and inactive XML, and whether it is built — its directory there
 * (dir), its volume group there (logical) — which pool-start needs.
 */
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import { KvmplayError } from '../core/errors.ts'
import { libvirtAccess } from '../libvirt/access.ts'
import { parsePoolXml } from '../libvirt/pool.ts'
import type { PoolSpec, PoolType } from '../libvirt/pool.ts'
import type { Fact } from './fact.ts'

export interface PoolState {
  /** virsh is installed. */
  available: boolean
  defined: boolean
  /** pool-info's State: running, inactive, building, degraded, inaccessible. */
  state?: string
  autostart?: boolean
  spec?: PoolSpec
  uuid?: string
  xml?: string
  /** The wished directory or volume group exists. */
  built: boolean
}

export interface PoolArgs {
  name: string
  type: PoolType
  /** dir: the directory to look for; logical: the volume group. */
  where: string
}

const builtCheck = ({ type, where }: PoolArgs) => (type === 'dir' ? sh`[ -d ${where} ] && echo yes` : sh`vgs --noheadings -o vg_name -- ${where} >/dev/null 2>&1 && echo yes`)

/** A failing listing (libvirtd down) fails the fact, not "no such pool". */
const command = (a: PoolArgs) =>
  [
    "command -v virsh >/dev/null 2>&1 || { echo @@NOVIRSH; exit 0; }",
    'names=$(virsh -q pool-list --all --name) || exit',
    `echo @@BUILT; ${builtCheck(a)} || :`,
    // virsh pads each name of `pool-list --name` with spaces (libvirt 9): compared word by word.
    `for n in $names; do ${sh`[ "$n" = ${a.name} ]`} && break; done; ${sh`[ "$n" = ${a.name} ]`} || exit 0`,
    `echo @@INFO; ${sh`virsh ${`pool-info ${a.name}; echo @@XML; pool-dumpxml --inactive ${a.name}`}`}`,
  ].join('\n')

export function parsePoolState(out: string, name: string): PoolState {
  if (out.startsWith('@@NOVIRSH')) return { available: false, defined: false, built: false }
  const built = /^@@BUILT\n(yes)?/m.exec(out)?.[1] === 'yes'
  const info = /^@@INFO\n([\s\S]*?)^@@XML\n([\s\S]*)$/m.exec(out)
  if (!info) return { available: true, defined: false, built }
  const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(info[1])?.[1]?.trim()
  const { spec, uuid } = parsePoolXml(info[2], `pool ${name}`)
  return { available: true, defined: true, state: field('State'), autostart: field('Autostart') === 'yes', spec, uuid, xml: info[2].trim() + '\n', built }
}

export const storagePoolFact: Fact<PoolState, PoolArgs> = {
  name: 'libvirt-pool',
  describe: ({ name }) => `libvirt storage pool ${name}`,
  reads: ({ name, type, where }) => [resource.libvirtPool(name), ...(type === 'dir' ? [resource.path(where)] : [])],
  access: libvirtAccess,
  command,
  parse: (res, { name }) => {
    if (res.code !== 0) throw new KvmplayError('fact', `virsh failed reading pool ${name} (exit ${res.code}): ${res.stderr.trim()} — is libvirtd running?`)
    return parsePoolState(res.stdout, name)
  },
}
