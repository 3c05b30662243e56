/**
 * systemd-networkd's unit files (.network, .netdev): sections of lines, kept
 * as they are (comments, order, blank line before the first section), and
 * their [Match] judged as networkd judges it, as far as kvmplay knows a link.
 */
export interface Section {
  name: string
  /** The lines after the header, as they are (comments included), trailing blank lines dropped. */
  lines: string[]
}
export interface Unit {
  /** Lines before the first section (comments). */
  head: string[]
  sections: Section[]
}

/** A line kvmplay wrote (and takes out again when it rewrites the file). */
export const MARK = '# kvmplay:'
export const isMark = (l: string) => l.startsWith(MARK)
export const trimEnd = (lines: string[]) => {
  const out = [...lines]
  while (out.length && out[out.length - 1].trim() === '') out.pop()
  return out
}

export function parseUnit(text: string): Unit {
  const unit: Unit = { head: [], sections: [] }
  let current: string[] = unit.head
  for (const line of text.split('\n')) {
    const h = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (h) {
      const s = { name: h[1], lines: [] as string[] }
      unit.sections.push(s)
      current = s.lines
    } else current.push(line)
  }
  // The head as it is (a blank line before the first section or none), unless the file has no section.
  if (unit.sections.length === 0) unit.head = trimEnd(unit.head)
  for (const s of unit.sections) s.lines = trimEnd(s.lines)
  return unit
}

export function renderUnit(u: Unit): string {
  const head = u.head.map((l) => `${l}\n`).join('')
  return head + u.sections.map((s) => [`[${s.name}]`, ...s.lines].join('\n') + '\n').join('\n')
}

/** `Key=value` → [Key, value]; comments and blank lines → undefined. */
export function keyValue(line: string): [string, string] | undefined {
  if (/^\s*[#;]/.test(line)) return undefined
  const m = /^\s*([A-Za-z0-9]+)\s*=\s*(.*?)\s*$/.exec(line)
  return m ? [m[1], m[2]] : undefined
}

/** Every value of `key` in the sections named `section` (a key given twice, or a list, counts each word where networkd takes lists). */
export const values = (u: Unit, section: string, key: string): string[] =>
  u.sections.filter((s) => s.name === section).flatMap((s) => s.lines.map(keyValue).filter((kv): kv is [string, string] => kv?.[0] === key).map((kv) => kv[1]))

/** fnmatch(3) as networkd's Name= globs use it: *, ?, [...]. */
function glob(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${re}$`)
}

/** Whether a list of patterns (networkd's: space-separated, `!` first inverts the whole list) holds for `value`. */
function listMatches(list: string[], value: string | undefined, test: (p: string, v: string) => boolean): boolean {
  const words = list.flatMap((l) => l.split(/\s+/)).filter(Boolean)
  if (words.length === 0) return true
  const invert = words[0].startsWith('!')
  const pats = invert ? [words[0].slice(1), ...words.slice(1)].filter(Boolean) : words
  const hit = value !== undefined && pats.some((p) => test(p, value))
  return invert ? !hit : hit
}

/**
 * Whether a .network's [Match] holds for a link, by what kvmplay knows of it:
 * Name= (globs) and MACAddress=/PermanentMACAddress= (a veth or bridge has no
 * permanent MAC: only a NIC's own counts, and kvmplay takes its MAC for it).
 * Other conditions (Type=, Driver=, Path=, Kind=…) are not judged: a file
 * that has them is taken to match when Name=/MAC hold, which the state
 * networkd reports overrides where it runs.
 */
export function matches(u: Unit, link: { name: string; mac?: string; kind?: string }): boolean {
  const name = values(u, 'Match', 'Name')
  const mac = values(u, 'Match', 'MACAddress')
  const perm = values(u, 'Match', 'PermanentMACAddress')
  const sameMac = (p: string, v: string) => p.toLowerCase() === v.toLowerCase()
  return (
    listMatches(name, link.name, (p, v) => glob(p).test(v)) &&
    listMatches(mac, link.mac, sameMac) &&
    listMatches(perm, link.kind === undefined ? link.mac : undefined, sameMac)
  )
}

/** The file's [Match] names exactly this link (by name or MAC, no glob, nothing else matched). */
export function matchesOnly(u: Unit, link: { name: string; mac?: string }): boolean {
  const name = values(u, 'Match', 'Name').flatMap((v) => v.split(/\s+/)).filter(Boolean)
  const mac = [...values(u, 'Match', 'MACAddress'), ...values(u, 'Match', 'PermanentMACAddress')].flatMap((v) => v.split(/\s+/)).filter(Boolean)
  return (name.length === 1 && name[0] === link.name) || (mac.length === 1 && mac[0].toLowerCase() === link.mac?.toLowerCase())
}
