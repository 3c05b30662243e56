/**
 * dnsmasq, two ways:
 * - `dnsmasq`: one `dhcp-host=MAC,IP,NAME` line per NIC, a file for dnsmasq's
 *   conf-dir (or `conf-file=`) beside the dhcp-range the LAN's server has
 *   already; dnsmasq reads it when it starts.
 * - `dnsmasq-hosts`: the same entries without the option's name
 *   (`MAC,IP,NAME`), for `--dhcp-hostsfile` (reread on SIGHUP) or a file in
 *   `--dhcp-hostsdir` (reread on its own as the file changes, by inotify): the
 *   LAN's server then has the reservations the moment the run writes them,
 *   before the first guest reaches the bridge, without a restart.
 * Always a fragment: dnsmasq needs nothing around it.
 */
import type { Reservation } from './reservations-allocate.ts'
import { header } from './reservations-header.ts'

const entry = (r: Reservation) => `${r.mac},${r.ip},${r.name}`

export function dnsmasqReservations(reservations: readonly Reservation[], hostsFile = false): string {
  const lines = reservations.flatMap((r) => [`# ${r.host}/${r.guest}`, hostsFile ? entry(r) : `dhcp-host=${entry(r)}`])
  return [...header(reservations, '#'), ...lines].join('\n') + '\n'
}
