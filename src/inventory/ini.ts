/**
 * Ansible's INI inventory, kept small: `[group]` host lines with inline
 * key=value vars, `[group:vars]`, `[group:children]`; hosts before any
 * section are ungrouped; `#` and `;` start comments.
 */
import { KvmplayError } from '../core/errors.ts'
import { RawInventory, buildInventory, expandHostPattern } from './build.ts'
import type { Inventory } from './types.ts'

/** INI values are strings unless they read as numbers or booleans (as Ansible's literal_eval does). */
function value(text: string): unknown {
  const t = text.replace(/^(["'])(.*)\1$/, '$2')
  if (t !== text) return t
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t)
  if (t === 'True' || t === 'true') return true
  if (t === 'False' || t === 'false') return false
  return t
}

export function parseIniInventory(text: string, source: string): Inventory {
  const raw = new RawInventory(source)
  let section = 'ungrouped'
  let mode: 'hosts' | 'vars' | 'children' = 'hosts'
  text.split('\n').forEach((rawLine, i) => {
    const fail = (what: string): never => {
      throw new KvmplayError('inventory', `${source}:${i + 1}: ${what}`)
    }
    const line = rawLine.replace(/^\s*[#;].*$/, '').trim()
    if (!line) return
    const header = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line)
    if (line.startsWith('[')) {
      if (!header) fail(`bad section header '${line}' (expected [group], [group:vars] or [group:children])`)
      section = header![1].trim()
      mode = (header![2] as typeof mode) ?? 'hosts'
      raw.group(section)
      return
    }
    const words = line.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []
    if (mode === 'vars') {
      const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(line)
      if (!m) fail(`expected key=value in [${section}:vars], got '${line}'`)
      raw.group(section).vars[m![1]] = value(m![2].trim())
    } else if (mode === 'children') {
      if (words.length !== 1) fail(`expected one group name per line in [${section}:children], got '${line}'`)
      raw.addChild(section, words[0]!)
    } else {
      const [pattern = '', ...pairs] = words
      const vars: Record<string, unknown> = {}
      for (const pair of pairs) {
        const eq = pair.indexOf('=')
        if (eq <= 0) fail(`expected key=value after host '${pattern}', got '${pair}'`)
        vars[pair.slice(0, eq)] = value(pair.slice(eq + 1))
      }
      let names: string[] = []
      try {
        names = expandHostPattern(pattern)
      } catch (err) {
        fail((err as Error).message)
      }
      for (const n of names) raw.addHost(section, n, vars)
    }
  })
  return buildInventory(raw)
}
