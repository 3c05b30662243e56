/**
 * Where a lab keeps what it creates. Everything the lab writes on the machine
 * is under one directory (plus the kernel objects named in addressing.ts), so
 * `down` can remove exactly that and nothing else.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import type { LabIdentity, LabNet } from './addressing.ts'
import { validateLabName, validateLabNet } from './addressing.ts'
import type { LabProfile } from './profiles.ts'
import type { LabLogin } from './logins.ts'
import type { GuestKind } from './guests.ts'

/** Host directories that each lab host sees through a copy-on-write overlay. */
export const OVERLAID_DIRS = ['etc', 'usr', 'var', 'root', 'home', 'opt', 'srv'] as const

export interface LabOptions {
  name?: string
  net?: string
  dir?: string
  /** How hosts keep their network: one profile, or a comma-separated list assigned round-robin (h1, h2, …). */
  profile?: string
  /** Hosts' uplinks take their address by DHCP from the lab's dnsmasq (networkmanager and netplan only). */
  dhcp?: boolean
  /** Jump hosts in front of the hosts: 0 (reached directly), 1 or 2 (a chain); see bastion.ts. */
  jump?: number
  /** Whom the inventory logs in as (root, sudo, sudo-nopasswd, doas, su; a list: round-robin); any but root closes port 22 to root (logins.ts). */
  login?: string
  /** Stand-ins for running guests' NICs, by kind (lease, static, inside; guests.ts); none unless asked. */
  guests?: string
  /** Cheap hosts: sshd and files only (no libvirtd, no guests), one /30 each, up to 1000 (addressing.ts); a change rebuilds every host. */
  cheap?: boolean
  /** false: the hosts' guests are defined but none runs, vm1 included (`--no-running-guests`); kept like the other choices. */
  runningGuests?: boolean
}

export interface Lab extends LabIdentity {
  dir: string
}

export interface LabRecord {
  name: string
  net: LabNet
  hosts: number
  /** The profile list of the last `up` with one: new hosts get theirs from it, round-robin. */
  profiles?: LabProfile[]
  /** The profile each host was built with (a host whose profile changes is rebuilt). */
  hostProfiles?: Record<string, LabProfile>
  /** Whether the last `up` with a --dhcp choice asked for DHCP uplinks (new hosts get it). */
  dhcp?: boolean
  /** The hosts built with a DHCP uplink (a host whose choice changes is rebuilt). */
  hostDhcp?: Record<string, boolean>
  /** The jump hosts the hosts sit behind (bastion.ts); none when absent. */
  jumps?: number
  /** The login list of the last `up` (logins.ts). */
  logins?: LabLogin[]
  /** The guest kinds of the last `up` with --guests (new hosts get them). */
  guests?: GuestKind[]
  /** The guest kinds each host was built with (a host whose kinds change is rebuilt). */
  hostGuests?: Record<string, GuestKind[]>
  /** A lab of cheap hosts (addressing.ts): the hosts' addresses follow from it. */
  cheap?: boolean
  /** Whether the last `up` with a choice wanted the guests running (new hosts get it; absent: running). */
  runningGuests?: boolean
  /** The hosts built with their guests stopped (a host whose choice changes is rebuilt). */
  hostGuestsStopped?: Record<string, boolean>
}

export const labPaths = (dir: string) => ({
  record: join(dir, 'lab.json'),
  key: join(dir, 'id_ed25519'),
  knownHosts: join(dir, 'known_hosts'),
  inventory: join(dir, 'inventory.yaml'),
  sshConfig: join(dir, 'ssh_config'),
  base: join(dir, 'base'),
  hosts: join(dir, 'hosts'),
})

export const hostPaths = (dir: string, host: string) => {
  const root = join(dir, 'hosts', host)
  return {
    root,
    upper: join(root, 'upper'),
    work: join(root, 'work'),
    pid: join(root, 'pid'),
    log: join(root, 'boot.log'),
    status: join(root, 'boot.status'),
  }
}

/**
 * Resolves the lab's name, network and directory from the options, the
 * environment and the record of a lab already in that directory.
 */
export function resolveLab(opts: LabOptions = {}): Lab {
  const name = validateLabName(opts.name ?? process.env.KVMPLAY_LAB ?? 'lab')
  const dir = resolve(opts.dir ?? process.env.KVMPLAY_LAB_DIR ?? `/tmp/kvmplay-${name}`)
  for (const d of OVERLAID_DIRS) {
    if (dir === `/${d}` || dir.startsWith(`/${d}${sep}`)) {
      throw new Error(
        `lab directory ${dir} is under /${d}, which every lab host overlays; choose one elsewhere, e.g. --dir /tmp/kvmplay-${name}`,
      )
    }
  }
  const record = readRecord(dir)
  if (record && record.name !== name && opts.name) {
    throw new Error(`${dir} holds lab '${record.name}', not '${name}': pass --name ${record.name} or another --dir`)
  }
  const net = validateLabNet(opts.net ?? record?.net ?? process.env.KVMPLAY_LAB_NET ?? '198.18')
  if (record && record.net !== net) {
    throw new Error(`lab '${record.name}' in ${dir} uses ${record.net}.0.0/16; bring it down before moving it to ${net}.0.0/16`)
  }
  // Cheap or not is the record's: the hosts' addresses follow from it (`up --cheap` changes it, rebuilding every host).
  return { name: record?.name ?? name, net, dir, ...(record?.cheap ? { cheap: true } : {}) }
}

export function readRecord(dir: string): LabRecord | undefined {
  const path = labPaths(dir).record
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as LabRecord
}

export function writeRecord(lab: Lab, hosts: number, profiles?: Pick<LabRecord, 'profiles' | 'hostProfiles' | 'dhcp' | 'hostDhcp' | 'jumps' | 'logins' | 'guests' | 'hostGuests' | 'cheap' | 'runningGuests' | 'hostGuestsStopped'>): void {
  mkdirSync(lab.dir, { recursive: true })
  const before = readRecord(lab.dir)
  const record: LabRecord = {
    name: lab.name,
    net: lab.net,
    hosts,
    profiles: profiles?.profiles ?? before?.profiles,
    hostProfiles: profiles?.hostProfiles ?? before?.hostProfiles,
    dhcp: profiles?.dhcp ?? before?.dhcp,
    hostDhcp: profiles?.hostDhcp ?? before?.hostDhcp,
    jumps: profiles?.jumps ?? before?.jumps,
    logins: profiles?.logins ?? before?.logins,
    guests: profiles?.guests ?? before?.guests,
    hostGuests: profiles?.hostGuests ?? before?.hostGuests,
    cheap: profiles?.cheap ?? before?.cheap,
    runningGuests: profiles?.runningGuests ?? before?.runningGuests,
    hostGuestsStopped: profiles?.hostGuestsStopped ?? before?.hostGuestsStopped,
  }
  writeFileSync(labPaths(lab.dir).record, JSON.stringify(record, null, 2) + '\n')
}
