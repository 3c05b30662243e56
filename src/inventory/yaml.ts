/**
 * Ansible's YAML inventory: groups with `hosts`, `children` and `vars`, any
 * depth. Every error names file:line, what is wrong and what is expected.
 */
import { LineCounter, parseDocument, isMap, isScalar, isSeq } from 'yaml'
import type { Node, YAMLMap } from 'yaml'
import { KvmplayError } from '../core/errors.ts'
import { RawInventory, buildInventory, expandHostPattern } from './build.ts'
import type { Inventory } from './types.ts'

const GROUP_KEYS = ['hosts', 'children', 'vars']

export function parseYamlInventory(text: string, source: string): Inventory {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1)
  const fail = (node: Node | null | undefined, what: string): never => {
    throw new KvmplayError('inventory', `${source}:${lineOf(node)}: ${what}`)
  }
  const kind = (node: unknown) => (isSeq(node) ? 'a list' : isScalar(node) ? `the value ${JSON.stringify(node.value)}` : 'something else')
  if (doc.errors.length) {
    const e = doc.errors[0]
    throw new KvmplayError('inventory', `${source}:${e.linePos?.[0].line ?? 1}: not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`)
  }
  const raw = new RawInventory(source)
  /** null (`hosts:` with nothing after it) is an empty mapping, as Ansible takes it. */
  const mapOrEmpty = (node: unknown, what: string, holder: Node | null | undefined): YAMLMap | undefined => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return undefined
    if (!isMap(node)) fail((node as Node) ?? holder, `${what} must be a mapping (got ${kind(node)})`)
    return node as YAMLMap
  }
  const keyName = (key: unknown, what: string): string => {
    if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) fail(key as Node, `${what} must be a name`)
    return String((key as { value: unknown }).value)
  }
  const varsOf = (node: unknown, what: string, holder: Node | null | undefined): Record<string, unknown> => {
    const m = mapOrEmpty(node, what, holder)
    return m ? (m.toJSON() as Record<string, unknown>) : {}
  }

  const group = (name: string, node: unknown, holder: Node | null | undefined) => {
    raw.group(name)
    const block = mapOrEmpty(node, `group '${name}'`, holder)
    if (!block) return
    for (const pair of block.items) {
      const key = keyName(pair.key, `a key of group '${name}'`)
      if (!GROUP_KEYS.includes(key)) fail(pair.key as Node, `unknown key '${key}' in group '${name}' (expected hosts, children or vars)`)
      if (key === 'hosts') {
        const hosts = mapOrEmpty(pair.value, `'hosts' of group '${name}'`, pair.key as Node)
        for (const h of hosts?.items ?? []) {
          const pattern = keyName(h.key, `a host of group '${name}'`)
          let names: string[]
          try {
            names = expandHostPattern(pattern)
          } catch (err) {
            return fail(h.key as Node, (err as Error).message)
          }
          const vars = varsOf(h.value, `the vars of host '${pattern}'`, h.key as Node)
          for (const n of names) raw.addHost(name, n, vars)
        }
      } else if (key === 'children') {
        const children = mapOrEmpty(pair.value, `'children' of group '${name}'`, pair.key as Node)
        for (const c of children?.items ?? []) {
          const child = keyName(c.key, `a child group of '${name}'`)
          raw.addChild(name, child)
          group(child, c.value, c.key as Node)
        }
      } else {
        Object.assign(raw.group(name).vars, varsOf(pair.value, `'vars' of group '${name}'`, pair.key as Node))
      }
    }
  }

  const top = doc.contents
  if (top === null || (isScalar(top) && top.value === null)) {
    throw new KvmplayError('inventory', `${source}:1: the inventory is empty; start with 'all:' and its 'hosts' or 'children'`)
  }
  if (!isMap(top)) fail(top, `the inventory must be a mapping of groups, such as 'all:' (got ${kind(top)})`)
  for (const pair of (top as YAMLMap).items) group(keyName(pair.key, 'a top-level group'), pair.value, pair.key as Node)
  return buildInventory(raw)
}
