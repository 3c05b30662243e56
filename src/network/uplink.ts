/**
 * The bridge's port — the uplink — as the bridge tasks and every network
 * system take it: a NIC today; a bond or a VLAN declared with what each needs,
 * so a system says which kinds it can persist (NetworkSystem.uplinks) and the
 * others are refused, named, before anything changes. The kernel's view
 * (src/facts/network.ts) already tells bonds and VLANs apart.
 */
import { KvmplayError } from '../core/errors.ts'
import type { HostNetwork, Link } from '../facts/network.ts'

interface UplinkBase {
  /** The interface's name: eth0, bond0, eth0.10. */
  name: string
  mac: string
}

/** A NIC (in the lab, a veth). */
export interface NicUplink extends UplinkBase {
  kind: 'nic'
}

export interface BondUplink extends UplinkBase {
  kind: 'bond'
  /** Its ports, as the kernel has them. */
  members: string[]
  /** 802.3ad, active-backup…: not in the kernel's view kvmplay reads yet (the uplinks issue fills it). */
  mode?: string
}

export interface VlanUplink extends UplinkBase {
  kind: 'vlan'
  /** The link it rides on, and its tag. */
  parent: string
  id: number
}

export type Uplink = NicUplink | BondUplink | VlanUplink
export type UplinkKind = Uplink['kind']

/** The uplink model of a link of the host (src/facts/network.ts: uplinkOf has refused what cannot be bridged at all). */
export function uplinkFromLink(link: Link, net: HostNetwork): Uplink {
  const base = { name: link.name, mac: link.mac }
  if (link.kind === 'bond') return { ...base, kind: 'bond', members: net.links.filter((l) => l.master === link.name).map((l) => l.name) }
  if (link.vlan) return { ...base, kind: 'vlan', parent: link.vlan.parent, id: link.vlan.id }
  return { ...base, kind: 'nic' }
}

/**
 * Refuses, before anything changes, an uplink whose kind the system cannot
 * persist yet: rewriting a bond's or a VLAN's definition from the kernel's
 * view would lose what only its own files hold (a bond's mode and options).
 */
export function refuseUnsupportedUplink(system: { title: string; uplinks: readonly UplinkKind[] }, uplink: Uplink): void {
  if (system.uplinks.includes(uplink.kind)) return
  throw new KvmplayError(
    'precondition',
    `the uplink ${uplink.name} is a ${uplink.kind}, which kvmplay cannot yet bridge with ${system.title} (there it bridges: ${system.uplinks.join(', ')}); nothing was changed`,
  )
}
