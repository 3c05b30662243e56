/**
 * A minimal reader of the guests' NAT identities, for the reservations'
 * check before a run moves anything: every guest NIC on the NAT network,
 * with its static `<host>` entry or its lease (address and name). It does
 * not look at the neighbour table (`configured-inside` is never said here):
 * the reservations need only MAC, names and who the guest is. A fuller
 * reader (the guests' facts) plugs in through NatIdentityReader.
 */
import { factRequest } from '../facts/fact.ts'
import { libvirtFact } from '../facts/libvirt.ts'
import type { LibvirtState } from '../facts/libvirt.ts'
import type { Host } from '../core/host.ts'
import { natLeasesFact } from './nat-leases.ts'
import type { NatLease } from './nat-leases.ts'
import type { NatIdentity } from './types.ts'

export interface ReadScope {
  /** The NAT network whose guests are read (default `default`). */
  network: string
  /** NICs to read wherever they are now (reserved before, maybe already moved to the bridge). */
  macs: ReadonlySet<string>
}

/** How the run gets a host's guest NICs: this module's reader, or the guests' facts. */
export type NatIdentityReader = (host: Host, scope: ReadScope) => Promise<NatIdentity[]>

/** Pure: the host's NICs on the network (or named by MAC), from libvirt's state and the network's leases. */
export function natIdentitiesOf(host: string, state: LibvirtState, leases: readonly NatLease[], scope: ReadScope): NatIdentity[] {
  const statics = state.networks.get(scope.network)?.spec.dhcpHosts ?? []
  return [...state.domains.values()].flatMap((d) => {
    // The persistent definition, and what runs (a NIC hot-plugged or moved live only).
    const seen = new Set<string>()
    const nics = [...d.interfaces, ...(d.liveInterfaces ?? [])].filter((i) => !seen.has(i.mac) && seen.add(i.mac))
    return nics
      .filter((i) => (i.type === 'network' && i.source === scope.network) || scope.macs.has(i.mac))
      .map((i): NatIdentity => {
        const entry = statics.find((h) => h.mac.toLowerCase() === i.mac)
        const lease = leases.find((l) => l.mac === i.mac)
        const base = { host, guest: d.name, mac: i.mac, network: scope.network, state: d.state, model: i.model, pci: i.pci }
        if (entry) return { ...base, assignedBy: 'static', address: entry.ip, hostname: entry.name ?? lease?.hostname, leaseExpiry: lease?.expiry }
        if (lease) return { ...base, assignedBy: 'lease', address: lease.address, hostname: lease.hostname, leaseExpiry: lease.expiry }
        return { ...base, assignedBy: 'none' }
      })
  })
}

export const readNatIdentities: NatIdentityReader = async (host, scope) => {
  const [state, leases] = await host.gather([factRequest(libvirtFact, undefined), factRequest(natLeasesFact, scope.network)] as const)
  return natIdentitiesOf(host.name, state, leases, scope)
}
