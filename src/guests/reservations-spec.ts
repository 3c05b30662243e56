/**
 * What a user asks for, as the command line or a playbook gives it (strings,
 * a map file or function), checked and turned into export options at once —
 * before any host is contacted — so a typo in a range is exit 4 with nothing
 * touched.
 */
import { existsSync } from 'node:fs'
import { KvmplayError } from '../core/errors.ts'
import { parseCidr, parseLanRange } from './lan-range.ts'
import { mapFromObject, readMapFile } from './reservations-map.ts'
import type { MapFunction, ReservationMap } from './reservations-map.ts'
import { readPrevious } from './reservations-previous.ts'
import { checkOurs } from './reservations-write.ts'
import { RESERVATION_FORMATS } from './reservations-export.ts'
import type { ExportOptions, ReservationFormat } from './reservations-export.ts'

export interface ReservationsSpec {
  /** LAN addresses to give: `198.51.100.50-198.51.100.99`, `198.51.100.0/24`, comma-separated pieces. */
  range?: string
  /** Addresses of the range not to give (the gateway, the hosts): same syntax. */
  exclude?: string[]
  /** A YAML file path, an object (`{ '52:54:00:…': '198.51.100.60', 'h1/vm2': … }`), or a function of the guest NIC. */
  map?: string | Record<string, unknown> | MapFunction
  format: ReservationFormat
  /** The LAN's subnet (CIDR), for a complete ISC or Kea configuration. */
  subnet?: string
  fragment?: boolean
  /** Where to write the file; also read back first, so existing guests keep their addresses. */
  out?: string
  /** A reservations file to read back instead of `out`. */
  previous?: string
}

/** A playbook's `reservations` (src/core/playbook.ts carries them untyped): the spec, and the libvirt network whose guests it covers. */
export type PlaybookReservations = ReservationsSpec & { network?: string }

const usage = (m: string) => new KvmplayError('usage', m)

export function resolveSpec(spec: ReservationsSpec, where = 'reservations'): ExportOptions & { out?: string } {
  if (typeof spec !== 'object' || spec === null) throw usage(`${where}: expected an object { range, format, … }`)
  if (!RESERVATION_FORMATS.includes(spec.format)) throw usage(`${where}: format ${JSON.stringify(spec.format)} is not one of ${RESERVATION_FORMATS.join(', ')}`)
  if (spec.range === undefined && spec.map === undefined) throw usage(`${where}: give a LAN range to take addresses from, a map of guests to addresses, or both`)
  if (spec.exclude !== undefined && (!Array.isArray(spec.exclude) || spec.exclude.some((x) => typeof x !== 'string'))) throw usage(`${where}: exclude must be a list of addresses or ranges`)
  if (spec.exclude?.length && spec.range === undefined) throw usage(`${where}: exclusions need a range to exclude from`)
  const range = spec.range === undefined ? undefined : parseLanRange(spec.range, spec.exclude ?? [], 'LAN range')
  const subnet = spec.subnet === undefined ? undefined : parseCidr(spec.subnet, 'LAN subnet')
  let map: ReservationMap | undefined
  if (typeof spec.map === 'string') map = readMapFile(spec.map)
  else if (typeof spec.map === 'function') map = { kind: 'function', fn: spec.map }
  else if (spec.map !== undefined) map = mapFromObject(spec.map, `${where} map`)
  if (spec.previous !== undefined && !existsSync(spec.previous)) throw usage(`${where}: the previous reservations file ${spec.previous} does not exist (leave it out to read back the output file, where there is one)`)
  if (spec.out !== undefined) checkOurs(spec.out)
  const previous = readPrevious(spec.previous ?? spec.out)
  return { format: spec.format, range, subnet, map, previous, fragment: spec.fragment, out: spec.out }
}
