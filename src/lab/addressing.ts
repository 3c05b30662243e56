/**
 * How a lab names and addresses its hosts. Pure: every name, address and MAC
 * of host N is derived from the lab's name, its /16 and N, so `up`, `down`,
 * `status` and the tests agree without asking the kernel.
 */

/** The two /16s of 198.18.0.0/15 (RFC 2544 benchmarking space): one lab each. */
export const LAB_NETS = ['198.18', '198.19'] as const
export type LabNet = (typeof LAB_NETS)[number]

/** Each host gets its own /24, so a lab holds at most 254 hosts. */
export const MAX_HOSTS = 254

/**
 * A lab of cheap hosts (`lab up --cheap`: sshd and files, no libvirtd, for
 * scale runs) packs each host into a /30 of the /16 instead, so it holds
 * up to 1000 — the machine's memory and the kernel's tables, not the
 * addresses, are what bound it (about 16 000 /30s would fit).
 */
export const MAX_CHEAP_HOSTS = 1000

/** Lab names end up in interface names, which Linux caps at 15 characters. */
const LAB_NAME = /^[a-z][a-z0-9]{0,5}$/

export interface LabIdentity {
  name: string
  net: LabNet
  /** Cheap hosts (sshd only, no guests), addressed one /30 each (see MAX_CHEAP_HOSTS). */
  cheap?: boolean
}

export interface DomainPlan {
  name: string
  mac: string
  model: string
  /** Whether the lab keeps it running (qemu TCG, halted guest). */
  running: boolean
}

export interface HostPlan {
  index: number
  name: string
  /** Named network namespace (`ip netns list`). */
  netns: string
  /** Root-namespace end of the host's veth pair. */
  vethRoot: string
  /** The host's uplink, as a real hypervisor would name it. */
  uplink: string
  mac: string
  address: string
  prefix: number
  gateway: string
  domains: DomainPlan[]
}

export function validateLabName(name: string): string {
  if (!LAB_NAME.test(name)) {
    throw new Error(
      `invalid lab name '${name}': use 1–6 lowercase letters or digits, starting with a letter (it becomes part of interface names, which Linux caps at 15 characters)`,
    )
  }
  return name
}

export function validateLabNet(net: string): LabNet {
  if (!(LAB_NETS as readonly string[]).includes(net)) {
    throw new Error(`invalid lab network '${net}': use one of ${LAB_NETS.join(', ')} (lab hosts only get addresses from 198.18.0.0/15)`)
  }
  return net as LabNet
}

export function validateHostCount(count: number, cheap = false): number {
  const max = cheap ? MAX_CHEAP_HOSTS : MAX_HOSTS
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw new Error(
      cheap
        ? `invalid host count '${count}': a lab of cheap hosts holds 1 to ${MAX_CHEAP_HOSTS} hosts`
        : `invalid host count '${count}': a lab holds 1 to ${MAX_HOSTS} hosts (up to ${MAX_CHEAP_HOSTS} with --cheap: sshd and files only, no libvirtd)`,
    )
  }
  return count
}

const hex = (n: number) => n.toString(16).padStart(2, '0')

/**
 * Host N's uplink: its own /24 (`net.N.2`, gateway `net.N.1`); in a lab of
 * cheap hosts the Nth /30 of the /16 (host N at 4N+2, gateway at 4N+1).
 */
function uplinkAddressing(lab: LabIdentity, index: number): Pick<HostPlan, 'address' | 'prefix' | 'gateway'> {
  if (!lab.cheap) return { address: `${lab.net}.${index}.2`, prefix: 24, gateway: `${lab.net}.${index}.1` }
  const at = (offset: number) => `${lab.net}.${(4 * index + offset) >> 8}.${(4 * index + offset) & 255}`
  return { address: at(2), prefix: 30, gateway: at(1) }
}

export function hostPlan(lab: LabIdentity, index: number): HostPlan {
  validateHostCount(index, lab.cheap)
  const name = `h${index}`
  const netOctet = Number(lab.net.split('.')[1])
  return {
    index,
    name,
    netns: `kvmplay-${lab.name}-${name}`,
    vethRoot: `kv${lab.name}-${name}`,
    uplink: 'eth0',
    // 02: locally administered, unicast; "kv" marks it as ours; then net and index (two bytes).
    mac: `02:6b:76:${hex(netOctet)}:${hex(index >> 8)}:${hex(index & 255)}`,
    ...uplinkAddressing(lab, index),
    // A cheap host runs no libvirtd, so it has no guests.
    domains: lab.cheap ? [] : [
      // vm1 runs and vm2 is shut off: a migration must handle both.
      { name: 'vm1', mac: `52:54:00:${hex(netOctet)}:${hex(index)}:01`, model: 'virtio', running: true },
      { name: 'vm2', mac: `52:54:00:${hex(netOctet)}:${hex(index)}:02`, model: 'rtl8139', running: false },
    ],
  }
}

/** Host name (`h7`) → index (up to the cheap lab's MAX_CHEAP_HOSTS), or undefined for anything else. */
export function hostIndex(hostName: string): number | undefined {
  const m = /^h([1-9][0-9]{0,3})$/.exec(hostName)
  if (!m) return undefined
  const n = Number(m[1])
  return n <= MAX_CHEAP_HOSTS ? n : undefined
}
