/**
 * A host entry as both formats write it: a name, optionally a `:port`, and
 * ranges such as `h[1:3]`, `web[01:10:2]` or `db-[a:c]`, expanded as Ansible
 * expands them. Errors go through the caller's `fail`, which knows the line.
 */

type Fail = (what: string) => never

/** Ansible's letter order for alphabetic ranges: a–z, then A–Z. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

export interface HostEntry {
  names: string[]
  /** From `name:port`; becomes the hosts' ansible_port unless they set one. */
  port?: number
}

export function parseHostEntry(entry: string, fail: Fail): HostEntry {
  // A port only when the one ':' outside [..] ranges is followed by digits, so that
  // `h[1:3]` is a range and a bare IPv6 address (several ':') keeps its colons.
  const m = /^(.+):(\d+)$/.exec(entry)
  const head = m?.[1] ?? ''
  if (m && !head.replace(/\[[^\]]*\]/g, '').includes(':')) {
    const port = Number(m[2])
    if (port < 1 || port > 65535) fail(`port ${m[2]} of host '${head}' is not a TCP port (1–65535)`)
    return { names: expandHostRange(head, fail), port }
  }
  return { names: expandHostRange(entry, fail) }
}

/** Expands the first `[begin:end(:step)]` of a name, then the rest of it, recursively. */
export function expandHostRange(name: string, fail: Fail): string[] {
  const m = /^(.*?)\[([^\]]*:[^\]]*)\](.*)$/.exec(name)
  if (!m) return [name]
  const [, head, range, tail] = m
  const bad = (why: string): never => fail(`host range [${range}] in '${name}' ${why}`)
  const bounds = range.split(':')
  if (bounds.length > 3) bad('must be [begin:end] or [begin:end:step]')
  const [from = '', to = '', stepText = '1'] = bounds
  const step = Number(stepText)
  if (!/^\d+$/.test(stepText) || step < 1) bad('needs a step of 1 or more')
  if (!to) bad('needs an end, as in [1:3]')
  let items: string[] = []
  if (/^\d*$/.test(from) && /^\d+$/.test(to)) {
    const begin = Number(from || '0')
    const end = Number(to)
    // A leading zero pads every name to the width of `begin`, as in web[01:10].
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0
    if (width && to.length !== width) bad(`needs begin and end of the same width, as in [${'0'.repeat(width - 1)}1:${'9'.repeat(width)}]`)
    if (begin > end) bad('needs begin <= end')
    for (let i = begin; i <= end; i += step) items.push(String(i).padStart(width, '0'))
  } else if (/^[a-z]$/i.test(from) && /^[a-z]$/i.test(to)) {
    const begin = LETTERS.indexOf(from)
    const end = LETTERS.indexOf(to)
    if (begin > end) bad('needs begin <= end')
    for (let i = begin; i <= end; i += step) items.push(LETTERS[i])
  } else {
    items = bad('must be numbers, as in [1:3], or single letters, as in [a:c]')
  }
  return items.flatMap((item) => expandHostRange(`${head}${item}${tail}`, fail))
}
