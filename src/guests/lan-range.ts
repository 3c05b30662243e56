/**
 * The LAN addresses a user grants to guests: ranges (`A-B`), CIDRs (their
 * network and broadcast addresses left out) and single addresses, less the
 * exclusions. Kept as sorted intervals of 32-bit numbers, so a /8 costs no
 * more than a /28 and the free addresses come out in one order, lowest first.
 */
import { KvmplayError } from '../core/errors.ts'
import { ipv4, prefixLength } from '../core/validate.ts'

/** An IPv4 address as an unsigned 32-bit number. */
export const ipToNumber = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
export const numberToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')

type Interval = readonly [number, number]

export interface Cidr {
  network: string
  prefix: number
  /** First and last address of the block, network and broadcast included. */
  first: number
  last: number
}

export interface LanRange {
  /** As the user wrote it (with exclusions), for messages. */
  readonly text: string
  /** The CIDR when the range was one CIDR: the subnet a complete ISC or Kea configuration declares. */
  readonly cidr?: Cidr
  readonly size: number
  contains(ip: string): boolean
  /** Every address of the range, lowest first. */
  addresses(): Generator<string>
}

const bad = (field: string, value: string, expected: string) =>
  new KvmplayError('validation', `invalid ${field} ${JSON.stringify(value)}: expected ${expected}`)

const EXPECTED = 'comma-separated pieces, each an address range (198.51.100.50-198.51.100.99), a CIDR (198.51.100.0/24) or one address'

/** A CIDR, its host bits required to be zero (a typo such as /24 on .50 would otherwise widen the range silently). */
export function parseCidr(text: string, field = 'subnet'): Cidr {
  const m = /^([^/]+)\/(\d+)$/.exec(text.trim())
  if (!m) throw bad(field, text, 'a CIDR such as 198.51.100.0/24')
  const network = ipv4(m[1], field)
  const prefix = prefixLength(m[2], `${field} prefix length`)
  const first = ipToNumber(network)
  const blockSize = 2 ** (32 - prefix)
  if (first % blockSize !== 0) throw bad(field, text, `the network address of the block, ${numberToIp(first - (first % blockSize))}/${prefix}`)
  return { network, prefix, first, last: first + blockSize - 1 }
}

/** One piece: `A-B`, a CIDR, or one address. */
function piece(text: string, field: string, hostsOnly: boolean): Interval {
  const t = text.trim()
  if (t.includes('/')) {
    const c = parseCidr(t, field)
    // Network and broadcast addresses are no host's; a /31 or /32 has none of them (RFC 3021).
    return hostsOnly && c.prefix < 31 ? [c.first + 1, c.last - 1] : [c.first, c.last]
  }
  const [a, b, ...rest] = t.split('-')
  if (rest.length) throw bad(field, text, EXPECTED)
  const start = ipToNumber(ipv4(a.trim(), field))
  const end = b === undefined ? start : ipToNumber(ipv4(b.trim(), field))
  if (end < start) throw bad(field, text, `a range whose end is not below its start (${numberToIp(end)} < ${numberToIp(start)})`)
  return [start, end]
}

function pieces(text: string, field: string, hostsOnly: boolean): Interval[] {
  if (typeof text !== 'string' || !text.trim()) throw bad(field, String(text), EXPECTED)
  return text.split(',').map((p) => piece(p, field, hostsOnly))
}

/** Sorted, merged intervals. */
function merge(list: Interval[]): Interval[] {
  const sorted = [...list].sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  for (const [s, e] of sorted) {
    const last = out[out.length - 1]
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e)
    else out.push([s, e])
  }
  return out
}

function subtract(from: Interval[], cut: Interval[]): Interval[] {
  let out = from
  for (const [cs, ce] of cut) {
    out = out.flatMap(([s, e]): Interval[] => {
      if (ce < s || cs > e) return [[s, e]]
      return [...(cs > s ? [[s, cs - 1] as Interval] : []), ...(ce < e ? [[ce + 1, e] as Interval] : [])]
    })
  }
  return out
}

/**
 * Parses the range and its exclusions.
 *
 * @example
 * ```ts
 * parseLanRange('198.51.100.0/24', ['198.51.100.1']).size // 253: .2–.254
 * parseLanRange('198.51.100.50-198.51.100.99').size        // 50
 * ```
 */
export function parseLanRange(text: string, exclude: readonly string[] = [], field = 'LAN range'): LanRange {
  const included = merge(pieces(text, field, true))
  const excluded = merge(exclude.flatMap((x) => pieces(x, `${field} exclusion`, false)))
  const intervals = subtract(included, excluded)
  const size = intervals.reduce((n, [s, e]) => n + e - s + 1, 0)
  const single = text.split(',').length === 1 && text.includes('/') ? parseCidr(text, field) : undefined
  const shown = exclude.length ? `${text.trim()} except ${exclude.map((x) => x.trim()).join(',')}` : text.trim()
  if (size === 0) throw new KvmplayError('validation', `the ${field} ${shown} has no address left to give`)
  return {
    text: shown,
    cidr: single,
    size,
    contains: (ip) => {
      const n = ipToNumber(ip)
      return intervals.some(([s, e]) => n >= s && n <= e)
    },
    *addresses() {
      for (const [s, e] of intervals) for (let n = s; n <= e; n++) yield numberToIp(n)
    },
  }
}

export const cidrContains = (c: Cidr, ip: string) => {
  const n = ipToNumber(ip)
  return n >= c.first && n <= c.last
}
