/**
 * The guests' NAT identities for the reservations' check before a run moves
 * anything: the guests' own facts and classification (src/facts/guests.ts,
 * identity.ts — the static `<host>` entries, dnsmasq's leases, virbr0's
 * neighbours), plus the NICs a previous reservations file names wherever they
 * are now (already moved to the bridge by an earlier run).
 */
import { factRequest } from '../facts/fact.ts'
import { libvirtFact } from '../facts/libvirt.ts'
import type { LibvirtState } from '../facts/libvirt.ts'
import { natAddressesFact } from '../facts/guests.ts'
import type { NatAddresses } from '../facts/guests.ts'
import type { Host } from '../core/host.ts'
import { natIdentities } from './identity.ts'
import type { NatIdentity } from './types.ts'

export interface ReadScope {
  /** The NAT network whose guests are read (default `default`). */
  network: string
  /** NICs to read wherever they are now (reserved before, maybe already moved to the bridge). */
  macs: ReadonlySet<string>
}

/** How the run gets a host's guest NICs. */
export type NatIdentityReader = (host: Host, scope: ReadScope) => Promise<NatIdentity[]>

/** Pure: the host's NICs on the network, classified, then those named by MAC elsewhere (known by MAC, model and slot only). */
export function natIdentitiesOf(host: string, state: LibvirtState, nat: NatAddresses, scope: ReadScope): NatIdentity[] {
  const on = natIdentities(host, state, scope.network, nat)
  const known = new Set(on.map((i) => i.mac))
  const moved = [...state.domains.values()].flatMap((d) =>
    d.interfaces
      .filter((i) => scope.macs.has(i.mac) && !known.has(i.mac) && !!known.add(i.mac))
      .map((i): NatIdentity => ({ host, guest: d.name, mac: i.mac, network: scope.network, state: d.state, assignedBy: 'none', ...(i.model ? { model: i.model } : {}), ...(i.pci ? { pci: i.pci } : {}) })),
  )
  return [...on, ...moved]
}

export const readNatIdentities: NatIdentityReader = async (host, scope) => {
  const [state, nat] = await host.gather([factRequest(libvirtFact, undefined), factRequest(natAddressesFact, scope.network)] as const)
  return natIdentitiesOf(host.name, state, nat, scope)
}
