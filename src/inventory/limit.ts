/**
 * Ansible host patterns: `all`/`*`, host and group names, fnmatch globs
 * (`web*`, `h[12]`), `~regex` (matched from the start of a name, as Python's
 * re.match does); terms joined by `:` or `,`. As in Ansible, the plain terms
 * are united first, then `&x` terms intersect, then `!x` terms exclude, and
 * a pattern of only `&`/`!` terms starts from all hosts. Hosts come back in
 * inventory order, each once.
 */
import { KvmplayError } from '../core/errors.ts'
import type { Inventory } from './types.ts'

const usage = (message: string): never => {
  throw new KvmplayError('usage', message)
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`; a `[` with no `]` is literal. */
function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else if (c === '[') {
      let end = i + 1
      if (glob[end] === '!') end++
      if (glob[end] === ']') end++ // a leading ']' is part of the set
      end = glob.indexOf(']', end)
      if (end < 0) re += '\\['
      else {
        const set = glob.slice(i + 1, end).replace(/[\\[\]]/g, '\\$&')
        re += `[${set.startsWith('!') ? `^${set.slice(1)}` : set.startsWith('^') ? `\\${set}` : set}]`
        i = end
      }
    } else re += c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
  }
  try {
    return new RegExp(`^${re}$`, 's')
  } catch (err) {
    return usage(`host pattern '${glob}' is not a valid glob: ${(err as Error).message}`)
  }
}

function termRegExp(term: string): RegExp | undefined {
  if (term.startsWith('~')) {
    try {
      return new RegExp(`^(?:${term.slice(1)})`)
    } catch (err) {
      return usage(`host pattern '${term}' is not a valid regular expression: ${(err as Error).message}`)
    }
  }
  return /[*?[]/.test(term) ? globToRegExp(term) : undefined
}

/** The hosts one term names. Like Ansible: groups first; hosts too when no group matched or the term is a glob, a regex or has a dot. */
function matchTerm(inv: Inventory, term: string): Set<string> {
  const all = [...inv.hosts.values()]
  if (term === 'all' || term === '*') return new Set(inv.hosts.keys())
  const re = termRegExp(term)
  const matches = (name: string) => (re ? re.test(name) : name === term)
  const groups = [...inv.groups.keys()].filter(matches)
  const out = new Set(all.filter((h) => h.groups.some((g) => groups.includes(g))).map((h) => h.name))
  if (groups.length === 0 || re || term.includes('.')) for (const h of all) if (matches(h.name)) out.add(h.name)
  return out
}

/** Ansible's split: on ',' when there is one, else on ':' (and blanks) outside [..], so `h[1:3]` stays one term. */
export function splitPattern(pattern: string): string[] {
  const parts = pattern.includes(',') ? pattern.split(',') : (pattern.match(/(?:[^\s:[]|\[[^\]]*\]|\[)+/g) ?? [])
  return parts.map((p) => p.trim()).filter(Boolean)
}

export function selectHosts(inv: Inventory, pattern: string): string[] {
  const terms = splitPattern(pattern)
  const plain = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'))
  const operand = (t: string) => t.slice(1) || usage(`host pattern '${pattern}' has '${t}' with nothing after it; write ${t}NAME`)
  const intersections = terms.filter((t) => t.startsWith('&')).map((t) => matchTerm(inv, operand(t)))
  const exclusions = terms.filter((t) => t.startsWith('!')).map((t) => matchTerm(inv, operand(t)))
  if (terms.length === 0) return []
  const union = new Set((plain.length ? plain : ['all']).flatMap((t) => [...matchTerm(inv, t)]))
  return [...inv.hosts.keys()].filter((h) => union.has(h) && intersections.every((s) => s.has(h)) && !exclusions.some((s) => s.has(h)))
}
