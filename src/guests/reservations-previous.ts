/**
 * A reservations file read back, in any of the formats kvmplay writes:
 * what each MAC had last time, so that a run after a guest was added keeps
 * every other guest where it was. Hand edits are fine as long as each entry
 * still has a MAC and an address.
 */
import { existsSync, readFileSync } from 'node:fs'
import { KvmplayError } from '../core/errors.ts'
import { ipv4, mac as macOf } from '../core/validate.ts'

export interface PreviousEntry {
  mac: string
  ip: string
  name?: string
  /** The guest it was for, where the file says (kvmplay's comments, Kea's user-context). */
  host?: string
  guest?: string
}

/** `h1/vm1`, as kvmplay writes it beside each reservation. */
const owner = (text: string | undefined): { host?: string; guest?: string } => {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(text?.trim() ?? '')
  return m ? { host: m[1], guest: m[2] } : {}
}

const MAC_RE = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/
const IP_RE = /^\d{1,3}(\.\d{1,3}){3}$/

/** `dhcp-host=MAC,IP,NAME` (or a hosts file's `MAC,IP,NAME`) and dnsmasq's other orders: the MAC, the address and the one field that is a name. */
function fromDnsmasq(text: string, source: string): PreviousEntry[] {
  const lines = text.split('\n')
  return lines.flatMap((line, i) => {
    // A hosts file's line is the option's value alone: it starts with the MAC.
    const m = /^\s*dhcp-host\s*=\s*(.*)$/.exec(line) ?? /^\s*([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\s*,.*)$/.exec(line)
    if (!m) return []
    const fields = m[1].split(',').map((f) => f.trim())
    const where = `${source} line ${i + 1}`
    const mac = fields.find((f) => MAC_RE.test(f))
    const ip = fields.find((f) => IP_RE.test(f))
    if (!mac || !ip) return [] // an id:, a tag or an ignore line: not one of ours
    const name = fields.find((f) => f !== mac && f !== ip && /^[A-Za-z][A-Za-z0-9-]*$/.test(f) && !['infinite', 'ignore'].includes(f))
    const comment = /^\s*#\s*(.*)$/.exec(lines[i - 1] ?? '')?.[1]
    return [{ mac: macOf(mac, `MAC on ${where}`), ip: ipv4(ip, `address on ${where}`), name, ...owner(comment) }]
  })
}

/** `host NAME { hardware ethernet MAC; fixed-address IP; … }`. */
function fromIsc(text: string, source: string): PreviousEntry[] {
  const out: PreviousEntry[] = []
  for (const m of text.matchAll(/\bhost\s+("?)([^\s{"]+)\1\s*\{([^}]*)\}/g)) {
    const body = m[3]
    const mac = /hardware\s+ethernet\s+([0-9A-Fa-f:]+)\s*;/.exec(body)?.[1]
    const ip = /fixed-address\s+([0-9.]+)\s*;/.exec(body)?.[1]
    if (!mac || !ip) continue
    const hostName = /option\s+host-name\s+"([^"]*)"/.exec(body)?.[1]
    const comment = /#\s*(\S+)/.exec(body)?.[1]
    out.push({ mac: macOf(mac, `MAC of host ${m[2]} in ${source}`), ip: ipv4(ip, `address of host ${m[2]} in ${source}`), name: hostName ?? m[2], ...owner(comment) })
  }
  return out
}

/** Kea: a whole configuration (`Dhcp4.subnet4[].reservations`, `Dhcp4.reservations`) or the reservations list alone. */
function fromKea(text: string, source: string): PreviousEntry[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new KvmplayError('validation', `${source}: not JSON (${(e as Error).message}); give a dnsmasq, ISC or Kea reservations file`)
  }
  type R = { 'hw-address'?: string; 'ip-address'?: string; hostname?: string; 'user-context'?: { kvmplay?: string } }
  const d = data as { Dhcp4?: { reservations?: R[]; subnet4?: { reservations?: R[] }[] } } | R[]
  const lists: R[][] = Array.isArray(d) ? [d] : [d.Dhcp4?.reservations ?? [], ...(d.Dhcp4?.subnet4 ?? []).map((s) => s.reservations ?? [])]
  return lists.flat().flatMap((r, i) =>
    r['hw-address'] && r['ip-address']
      ? [{ mac: macOf(r['hw-address'], `hw-address of reservation ${i + 1} in ${source}`), ip: ipv4(r['ip-address'], `ip-address of reservation ${i + 1} in ${source}`), name: r.hostname, ...owner(r['user-context']?.kvmplay) }]
      : [],
  )
}

/** Parses a reservations file's text, whichever format it is in. */
export function parsePrevious(text: string, source: string): PreviousEntry[] {
  const t = text.trim()
  if (t.startsWith('{') || t.startsWith('[')) return fromKea(t, source)
  if (/^\s*dhcp-host\s*=/m.test(t) || /^\s*[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}\s*,/m.test(t)) return fromDnsmasq(t, source)
  if (/\bhost\s+\S+\s*\{/.test(t)) return fromIsc(t, source)
  // Only comments and blank lines (a file of no reservations) is an empty one; anything else is the wrong file.
  if (t.split('\n').every((l) => !l.trim() || /^\s*#/.test(l))) return []
  throw new KvmplayError('validation', `${source} is not a reservations file kvmplay can read back (dnsmasq dhcp-host lines or hosts-file lines, ISC host blocks or Kea JSON)`)
}

/** The previous file's entries, or none when it does not exist yet. */
export function readPrevious(path: string | undefined): PreviousEntry[] {
  if (!path || !existsSync(path)) return []
  return parsePrevious(readFileSync(path, 'utf8'), path)
}
