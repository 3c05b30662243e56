/**
 * Ansible host patterns: `all`/`*`, names, groups, globs, `~regex`; terms
 * joined by `:` or `,`; `&x` intersects, `!x` excludes (applied after the
 * unions, in that order, as Ansible does). Hosts come back in inventory order.
 */
import { KvmplayError } from '../core/errors.ts'
import type { Inventory } from './types.ts'

function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end < 0) re += '\\['
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

function matchTerm(inv: Inventory, term: string): Set<string> {
  const all = [...inv.hosts.keys()]
  if (term === 'all' || term === '*') return new Set(all)
  const group = inv.groups.get(term)
  if (group) return new Set(all.filter((h) => inv.hosts.get(h)!.groups.includes(term)))
  if (inv.hosts.has(term)) return new Set([term])
  let re: RegExp
  if (term.startsWith('~')) {
    try {
      re = new RegExp(term.slice(1))
    } catch (err) {
      throw new KvmplayError('usage', `host pattern '${term}' is not a valid regular expression: ${(err as Error).message}`)
    }
  } else re = globToRegExp(term)
  const out = new Set<string>()
  for (const h of all) if (re.test(h)) out.add(h)
  for (const g of inv.groups.keys()) if (re.test(g)) for (const h of matchTerm(inv, g)) out.add(h)
  return out
}

/** Splits on ':' and ',' except inside [..] ranges and after '~' (a regex may contain ':'). */
function terms(pattern: string): string[] {
  if (pattern.includes(',')) return pattern.split(',').map((t) => t.trim()).filter(Boolean)
  const out: string[] = []
  let cur = ''
  let depth = 0
  for (const c of pattern) {
    if (c === '[') depth++
    if (c === ']') depth--
    if (c === ':' && depth === 0 && !cur.replace(/^[&!]/, '').startsWith('~')) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out.map((t) => t.trim()).filter(Boolean)
}

export function selectHosts(inv: Inventory, pattern: string): string[] {
  const union = new Set<string>()
  const intersections: Set<string>[] = []
  const exclusions: Set<string>[] = []
  for (const term of terms(pattern)) {
    if (term.startsWith('&')) intersections.push(matchTerm(inv, term.slice(1)))
    else if (term.startsWith('!')) exclusions.push(matchTerm(inv, term.slice(1)))
    else for (const h of matchTerm(inv, term)) union.add(h)
  }
  return [...inv.hosts.keys()].filter((h) => union.has(h) && intersections.every((s) => s.has(h)) && !exclusions.some((s) => s.has(h)))
}
