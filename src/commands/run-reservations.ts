/**
 * `kvmplay run … --reservations-*`: the options, merged over the playbook's
 * `reservations`, and the line the run prints about the file. The planning
 * itself is src/guests/reservations-run.ts.
 */
import { resolve } from 'node:path'
import type { Argv } from 'yargs'
import { KvmplayError } from '../core/errors.ts'
import { RESERVATION_FORMATS } from '../guests/reservations-export.ts'
import type { ReservationFormat } from '../guests/reservations-export.ts'
import { resolveSpec } from '../guests/reservations-spec.ts'
import type { PlaybookReservations, ReservationsSpec } from '../guests/reservations-spec.ts'
import type { RunReservations } from '../guests/reservations-run.ts'

export interface RunReservationArgs {
  reservationsRange?: string
  reservationsExclude?: string[]
  reservationsMap?: string
  reservationsFormat?: ReservationFormat
  reservationsSubnet?: string
  reservationsFragment?: boolean
  reservationsOut?: string
  reservationsNetwork?: string
  reservationsPrevious?: string
}

const GROUP = 'Reservations for the LAN (checked before anything moves):'

export const reservationOptions = (y: Argv) =>
  y
    .option('reservations-range', { type: 'string', group: GROUP, describe: 'LAN addresses for the guests: 198.51.100.50-198.51.100.99, 198.51.100.0/24, comma-separated pieces' })
    .option('reservations-exclude', { type: 'string', array: true, group: GROUP, describe: 'Addresses of the range not to give (repeatable)' })
    .option('reservations-map', { type: 'string', group: GROUP, describe: 'YAML file of MAC or host/guest → address (wins over the range)' })
    .option('reservations-format', { type: 'string', choices: RESERVATION_FORMATS, group: GROUP, describe: 'dnsmasq, isc or kea' })
    .option('reservations-subnet', { type: 'string', group: GROUP, describe: "The LAN's subnet (CIDR) for a complete isc or kea configuration" })
    .option('reservations-fragment', { type: 'boolean', group: GROUP, describe: 'isc, kea: only the reservations' })
    .option('reservations-out', { type: 'string', group: GROUP, describe: 'The file to write (read back first: existing guests keep their addresses); not written with --check' })
    .option('reservations-previous', { type: 'string', group: GROUP, describe: 'Read back this reservations file (any format) instead of --reservations-out' })
    .option('reservations-network', { type: 'string', group: GROUP, describe: 'The NAT network the guests leave', defaultDescription: 'default' })

/** The playbook's reservations with the command line's over them; undefined when neither asks for any. */
export function runReservationsSpec(args: RunReservationArgs, playbookSpec: PlaybookReservations | undefined, playbookDir: string) {
  // The playbook's files are where the playbook is, as its templates are; the command line's, where the user is.
  const at = (p: unknown) => (typeof p === 'string' ? resolve(playbookDir, p) : p)
  const fromPlaybook = playbookSpec && { ...playbookSpec, map: at(playbookSpec.map) as ReservationsSpec['map'], out: at(playbookSpec.out) as string | undefined, previous: at(playbookSpec.previous) as string | undefined }
  const cli = {
    range: args.reservationsRange,
    exclude: args.reservationsExclude,
    map: args.reservationsMap,
    format: args.reservationsFormat,
    subnet: args.reservationsSubnet,
    fragment: args.reservationsFragment,
    out: args.reservationsOut,
    network: args.reservationsNetwork,
    previous: args.reservationsPrevious,
  }
  const given = Object.fromEntries(Object.entries(cli).filter(([, v]) => v !== undefined))
  if (!fromPlaybook && Object.keys(given).length === 0) return undefined
  const spec = { ...fromPlaybook, ...given } as ReservationsSpec & { network?: string }
  if (spec.format === undefined) throw new KvmplayError('usage', 'reservations: name the format (--reservations-format dnsmasq|dnsmasq-hosts|isc|kea)')
  if (spec.out === undefined) throw new KvmplayError('usage', 'reservations: name the file to write (--reservations-out FILE); `kvmplay reservations REPORT` prints one instead')
  return { options: resolveSpec(spec, 'reservations'), network: spec.network ?? 'default' }
}

/** One line for people, or one JSON object in --json's stream. */
export function reservationsLine(r: RunReservations, json: boolean): string {
  if (json) return JSON.stringify({ type: 'reservations', file: r.out, status: r.status, reservations: r.reservations, notes: r.notes })
  const notes = r.notes.map((n) => `\n  note: ${n}`).join('')
  return `reservations: ${r.reservations.length} guest NIC(s) → ${r.out}: ${r.status}${notes}`
}
