/**
 * ISC dhcpd: a `host NAME { hardware ethernet MAC; fixed-address IP; }` block
 * per NIC (names are unique: dhcpd refuses a second host of one name). As a
 * fragment, the blocks alone, for an `include "FILE";` in dhcpd.conf (host
 * declarations may stand at its top level); complete, a minimal dhcpd.conf
 * with the LAN's subnet declared, which `dhcpd -t -cf` checks as it is.
 */
import { prefixToNetmask } from '../core/validate.ts'
import type { Cidr } from './lan-range.ts'
import type { Reservation } from './reservations-allocate.ts'
import { header } from './reservations-header.ts'

export function iscReservations(reservations: readonly Reservation[], subnet?: Cidr): string {
  const hosts = reservations.flatMap((r) => [
    `host ${r.name} {`,
    `  # ${r.host}/${r.guest}`,
    `  hardware ethernet ${r.mac};`,
    `  fixed-address ${r.ip};`,
    `  option host-name "${r.name}";`,
    '}',
  ])
  const decl = subnet ? [`subnet ${subnet.network} netmask ${prefixToNetmask(subnet.prefix)} {`, '}', ''] : []
  return [...header(reservations, '#'), ...decl, ...hosts].join('\n') + '\n'
}
