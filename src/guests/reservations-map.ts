/**
 * The user's own map of guests to LAN addresses: a YAML file whose keys are
 * MACs or `host/guest` and whose values are an address (or `{ ip, name }`),
 * or a function in the playbook. What it gives wins over the range and over
 * the previous file.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { KvmplayError } from '../core/errors.ts'
import { ipv4, mac as macOf } from '../core/validate.ts'
import type { NatIdentity } from './types.ts'

/** What the map says of one NIC: its address, and optionally its name. */
export interface Pin {
  ip: string
  name?: string
  /** For messages: `map key 52:54:00:…` or `the playbook's map`. */
  from: string
}

/** A playbook's map: the address for a guest NIC, or undefined to let the range give one. */
export type MapFunction = (guest: NatIdentity) => string | { ip: string; name?: string } | undefined

export interface MapEntry {
  key: { mac: string } | { host: string; guest: string }
  ip: string
  name?: string
  /** The key as written, for messages. */
  text: string
}

export type ReservationMap = { kind: 'entries'; entries: MapEntry[]; source: string } | { kind: 'function'; fn: MapFunction }

const invalid = (source: string, what: string) => new KvmplayError('validation', `${source}: ${what}`)

/** The map's entries from parsed YAML (an object), each key and value checked and named. */
export function mapFromObject(data: unknown, source: string): ReservationMap {
  if (data === null || data === undefined) return { kind: 'entries', entries: [], source }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw invalid(source, 'expected a mapping of MAC or host/guest to an address, e.g. "52:54:00:12:01:01: 198.51.100.60" or "h1/vm2: 198.51.100.61"')
  }
  const entries = Object.entries(data as Record<string, unknown>).map(([text, value]): MapEntry => {
    const field = `${source}: key ${JSON.stringify(text)}`
    const key = text.includes('/') ? guestKey(text, field) : { mac: macOf(text, `${field} (a MAC, or host/guest)`) }
    const v = typeof value === 'object' && value !== null ? (value as { ip?: unknown; name?: unknown }) : { ip: value }
    const extra = typeof value === 'object' && value !== null ? Object.keys(value).filter((k) => k !== 'ip' && k !== 'name') : []
    if (extra.length) throw invalid(source, `key ${JSON.stringify(text)}: unknown field(s) ${extra.join(', ')} (only ip and name)`)
    const ip = ipv4(v.ip, `address of ${field}`)
    if (v.name !== undefined && typeof v.name !== 'string') throw invalid(source, `key ${JSON.stringify(text)}: name must be a string`)
    return { key, ip, name: v.name, text }
  })
  return { kind: 'entries', entries, source }
}

function guestKey(text: string, field: string): { host: string; guest: string } {
  const [host, guest, ...rest] = text.split('/')
  if (!host || !guest || rest.length) throw new KvmplayError('validation', `invalid ${field}: expected host/guest such as h1/vm2, or a MAC`)
  return { host, guest }
}

/** Reads a YAML map file; a missing or malformed file is an error naming it. */
export function readMapFile(path: string): ReservationMap {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new KvmplayError('usage', `cannot read the reservations map ${path}: ${(e as Error).message}`)
  }
  let data: unknown
  try {
    data = parse(text)
  } catch (e) {
    throw invalid(path, `not YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  return mapFromObject(data, path)
}

/**
 * What the map pins for each NIC (by MAC first, then host/guest), checked:
 * a host/guest key for a guest with several NICs is ambiguous, and a NIC
 * both keys name with different addresses is a conflict.
 */
export function pinsOf(map: ReservationMap | undefined, nics: readonly NatIdentity[]): { pins: Map<NatIdentity, Pin>; unused: string[] } {
  const pins = new Map<NatIdentity, Pin>()
  if (!map) return { pins, unused: [] }
  if (map.kind === 'function') {
    for (const nic of nics) {
      const got = map.fn(nic)
      if (got === undefined || got === null) continue
      const field = `address the playbook's map gives ${nic.host}/${nic.guest} (${nic.mac})`
      const v = typeof got === 'object' ? got : { ip: got }
      pins.set(nic, { ip: ipv4(v.ip, field), name: v.name, from: `the playbook's map (${nic.host}/${nic.guest})` })
    }
    return { pins, unused: [] }
  }
  const used = new Set<MapEntry>()
  for (const nic of nics) {
    const byMac = map.entries.find((e) => 'mac' in e.key && e.key.mac === nic.mac)
    const byGuest = map.entries.find((e) => 'host' in e.key && e.key.host === nic.host && e.key.guest === nic.guest)
    if (byGuest && !byMac && nics.filter((n) => n.host === nic.host && n.guest === nic.guest).length > 1) {
      const macs = nics.filter((n) => n.host === nic.host && n.guest === nic.guest).map((n) => n.mac)
      throw invalid(map.source, `key ${byGuest.text}: ${nic.host}/${nic.guest} has ${macs.length} NICs (${macs.join(', ')}); key them by MAC instead`)
    }
    if (byMac && byGuest && byMac.ip !== byGuest.ip) {
      throw invalid(map.source, `keys ${byMac.text} (${byMac.ip}) and ${byGuest.text} (${byGuest.ip}) name the same NIC with different addresses; keep one`)
    }
    const entry = byMac ?? byGuest
    if (!entry) continue
    for (const e of [byMac, byGuest]) if (e) used.add(e)
    pins.set(nic, { ip: entry.ip, name: entry.name ?? byGuest?.name, from: `${map.source}: key ${entry.text}` })
  }
  return { pins, unused: map.entries.filter((e) => !used.has(e)).map((e) => e.text) }
}
