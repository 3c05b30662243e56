/**
 * A host entry as both formats write it: a name, optionally a `:port`, and
 * ranges such as `h[1:3]`, `web[01:10:2]` or `db-[a:c]`, expanded as Ansible
 * expands them. Errors go through the caller's `fail`, which knows the line.
 *
 * Unlike Ansible, kvmplay caps what one entry may expand to (MAX_HOSTS),
 * counted from the ranges before any name is made: `h[1:9999999]` — most
 * likely a typo — would otherwise hang the run or run it out of memory
 * before anything could be said about it.
 */

type Fail = (what: string) => never

/** More hosts than any one kvmplay run could work on: per entry, and per inventory (build.ts). */
export const MAX_HOSTS = 100_000

const RANGE = /^(.*?)\[([^\]]*:[^\]]*)\](.*)$/

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
    return { names: expandBounded(head, fail), port }
  }
  return { names: expandBounded(entry, fail) }
}

/** How many names one range gives, from its text; 1 for one it cannot size (the expansion says what is wrong with it). */
function rangeSize(range: string): number {
  const [from = '', to = '', stepText = '1'] = range.split(':')
  const step = /^\d+$/.test(stepText) && Number(stepText) >= 1 ? Number(stepText) : 1
  const [begin, end] = /^\d*$/.test(from) && /^\d+$/.test(to) ? [Number(from || '0'), Number(to)] : [LETTERS.indexOf(from), LETTERS.indexOf(to)]
  return begin >= 0 && end >= begin ? Math.floor((end - begin) / step) + 1 : 1
}

function expandBounded(name: string, fail: Fail): string[] {
  let count = 1
  for (let m = RANGE.exec(name); m; m = RANGE.exec(m[3])) count *= rangeSize(m[2])
  if (count > MAX_HOSTS) {
    fail(`host pattern '${name}' would give ${count} hosts, more than the ${MAX_HOSTS} kvmplay expands from one entry (Ansible has no cap, but a range this wide is most likely a typo); fix the range`)
  }
  return expandHostRange(name, fail)
}

/** Expands the first `[begin:end(:step)]` of a name, then the rest of it, recursively. */
export function expandHostRange(name: string, fail: Fail): string[] {
  const m = RANGE.exec(name)
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
