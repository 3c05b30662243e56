/**
 * Ansible's INI inventory, kept small: `[group]` host lines with inline
 * key=value vars, `[group:vars]`, `[group:children]`; hosts before any
 * section are ungrouped; lines starting with `#` or `;` are comments.
 *
 * Values are read as Ansible reads them: host lines are split like a shell
 * (quotes group words, `#` starts a comment), then each value, like each
 * `[group:vars]` value, is a Python literal if it is one, else a string.
 */
import { RawInventory, buildInventory } from './build.ts'
import { parseHostEntry } from './hostnames.ts'
import type { Inventory } from './types.ts'

type Fail = (what: string) => never

/** The Python literals Ansible's literal_eval turns into non-strings; anything else stays text. */
export function iniValue(text: string): unknown {
  const quoted = /^(["'])(.*)\1$/s.exec(text)
  if (quoted) return quoted[2]
  if (/^[-+]?(0|[1-9]\d*)$/.test(text)) return Number.isSafeInteger(Number(text)) ? Number(text) : text // 0644 stays '0644', as in Python
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+)$/.test(text)) return Number(text)
  if (text === 'True' || text === 'False') return text === 'True'
  if (text === 'None') return null
  return text
}

/** Words as Python's shlex (POSIX, with comments) splits a host line. */
function shellWords(line: string, fail: Fail): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote) {
      if (c === quote) quote = ''
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i]
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      word ??= ''
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i]
    else if (c === '#') break
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else word = (word ?? '') + c
  }
  if (quote) fail(`unterminated ${quote} quote in '${line}'`)
  if (word !== undefined) words.push(word)
  return words
}

const HEADER = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/
const GROUP_NAME = /^([^:\]\s]+)\s*(?:[#;].*)?$/
const SECTIONS = 'expected [group], [group:vars] or [group:children]'

export function parseIniInventory(text: string, source: string): Inventory {
  return buildInventory(readIniInventory(text, source))
}

/** The file's groups, hosts and vars, to build alone or with other sources. */
export function readIniInventory(text: string, source: string): RawInventory {
  const raw = new RawInventory(source)
  let group = 'ungrouped'
  let kind: 'hosts' | 'vars' | 'children' = 'hosts'
  // As in Ansible, [g:vars] and [x:children] may only name groups that a [g] or [g:children] section defines (anywhere in the file).
  const defined = new Set(['all', 'ungrouped'])
  const references: { group: string; line: number; what: string }[] = []

  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((rawLine, i) => {
    const line = i + 1
    const fail: Fail = (what) => raw.fail(line, what)
    const content = rawLine.trim()
    if (!content || content.startsWith('#') || content.startsWith(';')) return
    if (content.startsWith('[')) {
      const header = HEADER.exec(content) ?? fail(`bad section header '${content}' (${SECTIONS})`)
      const type = header[2] ?? 'hosts'
      if (type !== 'hosts' && type !== 'vars' && type !== 'children') fail(`unknown section type ':${type}' in '${content}' (${SECTIONS})`)
      group = header[1]
      kind = type
      raw.group(group)
      if (kind === 'vars') references.push({ group, line, what: `[${group}:vars] is for group '${group}'` })
      else defined.add(group)
    } else if (kind === 'vars') {
      const eq = content.indexOf('=')
      if (eq <= 0) fail(`expected key=value in [${group}:vars], got '${content}'`)
      raw.setGroupVar(group, content.slice(0, eq).trim(), iniValue(content.slice(eq + 1).trim()), line)
    } else if (kind === 'children') {
      const child = GROUP_NAME.exec(content)?.[1] ?? fail(`expected one group name per line in [${group}:children], got '${content}'`)
      raw.addChild(group, child, line)
      references.push({ group: child, line, what: `[${group}:children] lists group '${child}'` })
    } else {
      const [entry = '', ...pairs] = shellWords(content, fail)
      if (!entry || entry.includes('=')) fail(`expected a host name first, got '${content}'`)
      const { names, port } = parseHostEntry(entry, fail)
      const vars: Record<string, unknown> = port ? { ansible_port: port } : {}
      for (const pair of pairs) {
        const eq = pair.indexOf('=')
        if (eq <= 0) fail(`expected key=value after host '${entry}', got '${pair}'`)
        vars[pair.slice(0, eq)] = iniValue(pair.slice(eq + 1))
      }
      raw.addHosts(group, names, vars, fail)
    }
  })

  const missing = references.find((r) => !defined.has(r.group))
  if (missing) raw.fail(missing.line, `${missing.what}, but no [${missing.group}] or [${missing.group}:children] section defines it; add the section (it may be empty) or fix the name`)
  return raw
}
