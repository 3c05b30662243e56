/**
 * Each guest NIC's NAT identity, and what is known of its address after a
 * move: pure functions of libvirt's state and the address facts
 * (src/facts/guests.ts), so every case is a unit test with canned input.
 */
import type { LibvirtDomain, LibvirtState } from '../facts/libvirt.ts'
import type { AgentAddresses, NatAddresses, Neighbour } from '../facts/guests.ts'
import { answered } from '../facts/guests.ts'
import type { DomainInterface } from '../libvirt/domain.ts'
import type { GuestReport, NatAssignment, NatIdentity, RecordedNetwork } from './types.ts'

const running = (d: LibvirtDomain) => d.state === 'running' || d.state === 'paused'
const onNetwork = (i: DomainInterface, network: string) => i.type === 'network' && i.source === network
const onBridge = (i: DomainInterface, bridge: string) => i.type === 'bridge' && i.source === bridge

/** A domain's NICs that are on the network now: in its persistent config or, running, live. By MAC, the config's model and PCI slot first. */
function nicsOn(d: LibvirtDomain, on: (i: DomainInterface) => boolean): DomainInterface[] {
  const byMac = new Map<string, DomainInterface>()
  for (const i of d.interfaces) if (on(i)) byMac.set(i.mac, i)
  for (const i of d.liveInterfaces ?? []) if (on(i) && !byMac.has(i.mac)) byMac.set(i.mac, d.interfaces.find((c) => c.mac === i.mac) ?? i)
  return [...byMac.values()]
}

const iso = (epoch: number) => new Date(epoch * 1000).toISOString()

/**
 * Every guest NIC on `network`, classified: a static `<host>` entry wins
 * (leased or not yet), then a lease, then — running guests only — an
 * address seen in the bridge's neighbour table with no lease and no entry
 * (configured inside the guest), else none.
 */
export function natIdentities(host: string, state: LibvirtState, network: string, nat: NatAddresses): NatIdentity[] {
  const net = state.networks.get(network)
  const statics = net?.spec.dhcpHosts ?? []
  const out: NatIdentity[] = []
  for (const d of state.domains.values()) {
    for (const i of nicsOn(d, (x) => onNetwork(x, network))) {
      const entry = statics.find((h) => h.mac === i.mac)
      const lease = nat.leases.find((l) => l.mac === i.mac)
      const live = running(d)
      // Seen: the NIC's MAC answered on the bridge, at the address it was given (any, where it was given none).
      const given = entry?.ip ?? lease?.ip
      const neighbour = live ? nat.neighbours.find((n) => n.mac === i.mac && answered(n) && (given === undefined || n.ip === given)) : undefined
      const assignedBy: NatAssignment = entry ? 'static' : lease ? 'lease' : neighbour ? 'configured-inside' : 'none'
      const address = given ?? neighbour?.ip
      out.push({
        host,
        guest: d.name,
        mac: i.mac,
        network,
        state: d.state,
        ...(address ? { address } : {}),
        assignedBy,
        ...(entry?.name || lease?.hostname ? { hostname: entry?.name ?? lease?.hostname } : {}),
        ...(lease && (!entry || lease.ip === entry.ip) && lease.expiry ? { leaseExpiry: iso(lease.expiry) } : {}),
        ...(live ? { seen: !!neighbour } : {}),
        ...(i.model ? { model: i.model } : {}),
        ...(i.pci ? { pci: i.pci } : {}),
      })
    }
  }
  return out
}

/** The network as it is now, for the way back: its inactive XML, autostart and static entries. Undefined when libvirt has no such network. */
export function recordNetwork(host: string, state: LibvirtState, network: string): RecordedNetwork | undefined {
  const net = state.networks.get(network)
  if (!net) return undefined
  return { host, name: network, xml: net.xml, autostart: net.autostart, staticHosts: net.spec.dhcpHosts.map((h) => ({ mac: h.mac, ...(h.name ? { name: h.name } : {}), ip: h.ip })) }
}

/** A NIC on the bridge after the move, and what is known of its address now. */
export interface AfterMove {
  host: string
  guest: string
  mac: string
  toBridge: string
  state: string
  after: NonNullable<GuestReport['after']>
}

/** Whether the domain has a channel to a qemu guest agent: without one, no agent can answer (and virsh is not asked). */
export const hasGuestAgent = (d: LibvirtDomain) => /<target\s[^>]*name=['"]org\.qemu\.guest_agent\.0['"]/.test(d.liveXml ?? d.xml)

/**
 * Every guest NIC on `bridge` with what is known of its address: the guest
 * agent's (where it answered), else the bridge's neighbour table, else
 * unknown yet. A guest that is not running is unknown.
 */
export function afterMove(host: string, state: LibvirtState, bridge: string, neighbours: Neighbour[], agents: ReadonlyMap<string, AgentAddresses>): AfterMove[] {
  const out: AfterMove[] = []
  for (const d of state.domains.values()) {
    for (const i of nicsOn(d, (x) => onBridge(x, bridge))) {
      const agent = agents.get(d.name)
      const fromAgent = agent?.ok ? agent.addresses.find((a) => a.mac === i.mac) : undefined
      const seen = running(d) ? neighbours.find((n) => n.mac === i.mac && answered(n)) : undefined
      const after: AfterMove['after'] = fromAgent ? { address: fromAgent.ip, source: 'guest-agent' } : seen ? { address: seen.ip, source: 'neighbour' } : { source: 'unknown' }
      out.push({ host, guest: d.name, mac: i.mac, toBridge: bridge, state: d.state, after })
    }
  }
  return out
}

/** Guests that lose their address on the bridge: configured inside, so no DHCP server on the LAN gives them one. */
export const losesAddress = (g: NatIdentity) => g.assignedBy === 'configured-inside'
