/**
 * Kea: `hw-address`, `ip-address`, `hostname` reservations. Complete, a
 * minimal kea-dhcp4 configuration — `Dhcp4.subnet4[0]` the LAN's subnet
 * holding them — which `kea-dhcp4 -t` checks as it is (Kea refuses an address
 * outside the subnet, or one address reserved twice). As a fragment, the
 * reservations list alone, for a subnet's `"reservations": <?include "FILE"?>`.
 * JSON without comments: each reservation's user-context names the guest.
 */
import type { Cidr } from './lan-range.ts'
import type { Reservation } from './reservations-allocate.ts'

const entry = (r: Reservation) => ({
  'hw-address': r.mac,
  'ip-address': r.ip,
  hostname: r.name,
  'user-context': { kvmplay: `${r.host}/${r.guest}` },
})

export function keaReservations(reservations: readonly Reservation[], subnet?: Cidr): string {
  const list = reservations.map(entry)
  if (!subnet) return JSON.stringify(list, null, 2) + '\n'
  const config = {
    Dhcp4: {
      'user-context': { kvmplay: `LAN DHCP reservations for ${reservations.length} guest NIC(s); kvmplay reads this file back on its next run` },
      subnet4: [{ id: 1, subnet: `${subnet.network}/${subnet.prefix}`, reservations: list }],
    },
  }
  return JSON.stringify(config, null, 2) + '\n'
}
