/**
 * The reservations of a set of guest NICs, as a file for the LAN's DHCP
 * server: allocation, then the format. The one entry point the CLI command
 * and the migration run share; it takes NatIdentity[] (from a migration
 * report, or read from the hosts before the move) and touches nothing.
 */
import { KvmplayError } from '../core/errors.ts'
import type { NatIdentity } from './types.ts'
import { cidrContains } from './lan-range.ts'
import type { Cidr } from './lan-range.ts'
import { allocateReservations } from './reservations-allocate.ts'
import type { AllocateOptions, Reservation } from './reservations-allocate.ts'
import { dnsmasqReservations } from './reservations-dnsmasq.ts'
import { iscReservations } from './reservations-isc.ts'
import { keaReservations } from './reservations-kea.ts'

export const RESERVATION_FORMATS = ['dnsmasq', 'dnsmasq-hosts', 'isc', 'kea'] as const
export type ReservationFormat = (typeof RESERVATION_FORMATS)[number]

export interface ExportOptions extends AllocateOptions {
  format: ReservationFormat
  /** The LAN's subnet, which a complete ISC or Kea configuration declares; defaults to the range when it is one CIDR. */
  subnet?: Cidr
  /** ISC and Kea: only the reservations, to include in a configuration of one's own. dnsmasq's are always one. */
  fragment?: boolean
}

export interface Exported {
  text: string
  reservations: Reservation[]
  notes: string[]
}

const cidrText = (c: Cidr) => `${c.network}/${c.prefix}`

/** The subnet a complete configuration declares, checked to hold every reservation. */
function subnetFor(opts: ExportOptions, reservations: readonly Reservation[]): Cidr | undefined {
  if (opts.format === 'dnsmasq' || opts.format === 'dnsmasq-hosts' || opts.fragment) return undefined
  const subnet = opts.subnet ?? opts.range?.cidr
  if (!subnet) {
    throw new KvmplayError('usage', `a complete ${opts.format === 'isc' ? 'dhcpd.conf' : 'kea-dhcp4 configuration'} declares the LAN's subnet: give it (--subnet 198.51.100.0/24), give the range as a CIDR, or ask for a fragment (--fragment)`)
  }
  const outside = reservations.filter((r) => !cidrContains(subnet, r.ip))
  if (outside.length) {
    throw new KvmplayError('validation', `${outside.map((r) => `${r.ip} (${r.host}/${r.guest})`).join(', ')} outside the subnet ${cidrText(subnet)}: widen the subnet or change the range or map`)
  }
  return subnet
}

export function exportReservations(guests: readonly NatIdentity[], opts: ExportOptions): Exported {
  if (!RESERVATION_FORMATS.includes(opts.format)) {
    throw new KvmplayError('usage', `unknown reservations format ${JSON.stringify(opts.format)}: expected ${RESERVATION_FORMATS.join(', ')}`)
  }
  const { reservations, notes } = allocateReservations(guests, opts)
  const subnet = subnetFor(opts, reservations)
  const text =
    opts.format === 'dnsmasq' || opts.format === 'dnsmasq-hosts'
      ? dnsmasqReservations(reservations, opts.format === 'dnsmasq-hosts')
      : opts.format === 'isc'
        ? iscReservations(reservations, subnet)
        : keaReservations(reservations, subnet)
  return { text, reservations, notes }
}
