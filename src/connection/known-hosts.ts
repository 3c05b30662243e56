/**
 * OpenSSH known_hosts, read the way ssh reads it: plain and hashed (|1|salt|hash)
 * host patterns, `[host]:port` for non-22 ports, `*`/`?` wildcards, `!` negation,
 * and @revoked keys. @cert-authority lines vouch for no key here (kvmplay does not
 * verify host certificates); a host they cover whose key is not listed plainly is
 * told apart from a merely unknown one, so the refusal can say so. Pure except for
 * the file reads and the append of accept-new.
 */
import { createHmac } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority'
  patterns: string[]
  keyType: string
  key: string // base64 blob
  file: string
  line: number
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'changed'; entry: KnownHostEntry }
  /** Not listed plainly, but a @cert-authority line covers the host: ssh would check its certificate, kvmplay cannot. */
  | { status: 'cert-authority'; entry: KnownHostEntry }
  | { status: 'unknown' }

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const fields = line.split(/\s+/)
    const marker = fields[0].startsWith('@') ? (fields.shift() as KnownHostEntry['marker']) : undefined
    if (fields.length < 3) return
    entries.push({ marker, patterns: fields[0].split(','), keyType: fields[1], key: fields[2], file, line: i + 1 })
  })
  return entries
}

/** `host` for port 22, `[host]:port` otherwise: the name ssh looks up. */
export const hostKeyName = (address: string, port: number) => (port === 22 ? address : `[${address}]:${port}`)

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i')
  return re.test(name)
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|')
    if (!salt || !hash) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }
  return globMatch(pattern, name)
}

/** ssh's rule: any matching negated pattern excludes the line; otherwise one positive match is needed. */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  let positive = false
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false
    } else if (patternMatches(p, name)) positive = true
  }
  return positive
}

/** The key type named inside an SSH wire-format public key blob. */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + len).toString('ascii')
}

export function verifyHostKey(entries: KnownHostEntry[], name: string, blob: Buffer): HostKeyVerdict {
  const key = blob.toString('base64')
  const type = keyTypeOf(blob)
  const matching = entries.filter((e) => e.marker !== '@cert-authority' && entryMatches(e, name))
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key === key)
  if (revoked) return { status: 'revoked', entry: revoked }
  const known = matching.find((e) => !e.marker && e.key === key)
  if (known) return { status: 'known', entry: known }
  const changed = matching.find((e) => !e.marker && e.keyType === type)
  if (changed) return { status: 'changed', entry: changed }
  const authority = entries.find((e) => e.marker === '@cert-authority' && entryMatches(e, name))
  if (authority) return { status: 'cert-authority', entry: authority }
  return { status: 'unknown' }
}

/** The key types listed plainly for `name` (markers aside, as ssh's order_hostkeyalgs counts them). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): Set<string> {
  return new Set(entries.filter((e) => !e.marker && entryMatches(e, name)).map((e) => e.keyType))
}

export function readKnownHosts(files: string[]): KnownHostEntry[] {
  return files.flatMap((f) => (existsSync(f) ? parseKnownHosts(readFileSync(f, 'utf8'), f) : []))
}

/** Trust on first use, only when asked (--accept-new-host-keys): record the key as ssh's accept-new does. */
export function appendKnownHost(file: string, name: string, blob: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  appendFileSync(file, `${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 })
}
