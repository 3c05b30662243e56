/**
 * dnsmasq: one `dhcp-host=MAC,IP,NAME` line per NIC, a file for dnsmasq's
 * conf-dir (or `conf-file=`) beside the dhcp-range the LAN's server has
 * already. Always a fragment: dnsmasq needs nothing around it.
 */
import type { Reservation } from './reservations-allocate.ts'
import { header } from './reservations-header.ts'

export function dnsmasqReservations(reservations: readonly Reservation[]): string {
  const lines = reservations.flatMap((r) => [`# ${r.host}/${r.guest}`, `dhcp-host=${r.mac},${r.ip},${r.name}`])
  return [...header(reservations, '#'), ...lines].join('\n') + '\n'
}
