/**
 * Ansible's YAML inventory: groups with `hosts`, `children` and `vars`, any
 * depth. Every error names file:line, what is wrong and what is expected.
 *
 * Read as YAML 1.1, as Ansible (PyYAML) reads it: `yes`/`no`/`on`/`off` are
 * booleans and `<<` merge keys work; dates stay strings.
 *
 * Aliases may make the document itself recursive (`a: &A {children: {b: *A}}`):
 * the walk stops at a group already on its way down (the cycle, named) and
 * walks a group's block once however often aliases repeat it, so neither a
 * loop nor a chain of doubling aliases can run away with it.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml'
import type { Document, Node, YAMLMap } from 'yaml'
import { RawInventory, buildInventory } from './build.ts'
import { parseHostEntry } from './hostnames.ts'
import type { Inventory } from './types.ts'
import { markVaultTags } from './vault-yaml.ts'

const GROUP_KEYS = ['hosts', 'children', 'vars']
const VARS = 'a mapping of variable names to values'

/** What a node is, for "(got …)" in messages. */
function describe(node: unknown): string {
  if (isSeq(node)) return 'a list'
  if (isMap(node)) return 'a mapping'
  if (!isScalar(node) || node.value === null) return 'nothing'
  return typeof node.value === 'string' ? `the string ${JSON.stringify(node.value)}` : `the ${typeof node.value} ${String(node.value)}`
}

/** YAML as Ansible (PyYAML) reads it: 1.1, dates left as strings. Vars files let a repeated key win (PyYAML's warning), inventories refuse it. */
export function parseYaml11(text: string, lines: LineCounter, uniqueKeys: boolean): Document.Parsed {
  return parseDocument(text, {
    lineCounter: lines,
    version: '1.1',
    uniqueKeys,
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
  })
}

export function parseYamlInventory(text: string, source: string): Inventory {
  return buildInventory(readYamlInventory(text, source))
}

/** The file's groups, hosts and vars (`!vault` values kept vaulted), to build alone or with other sources. */
export function readYamlInventory(text: string, source: string): RawInventory {
  const lines = new LineCounter()
  const doc = parseYaml11(text, lines, true)
  const raw = new RawInventory(source)
  const lineOf = (node: unknown, holder?: unknown): number => {
    const range = (node as Node | null)?.range ?? (holder as Node | null)?.range
    return range ? lines.linePos(range[0]).line : 1
  }
  const fail = (node: unknown, what: string, holder?: unknown): never => raw.fail(lineOf(node, holder), what)

  const syntax = doc.errors[0]
  if (syntax?.code === 'DUPLICATE_KEY') {
    // yaml reports it where the previous entry ends; point at the repeated key itself.
    const at = syntax.pos[0] + (/^(?:\s|#.*)*/.exec(text.slice(syntax.pos[0]))?.[0].length ?? 0)
    const key = /^([^:,{}\n]+?)\s*:/.exec(text.slice(at))?.[1]
    raw.fail(lines.linePos(at).line, `not valid YAML: ${key ? `'${key}' appears twice in the same mapping` : 'a key appears twice in the same mapping'}`)
  } else if (syntax) {
    const what = syntax.code === 'MULTIPLE_DOCS' ? "one YAML document is expected (found a second '---')" : syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    raw.fail(syntax.linePos?.[0].line ?? 1, `not valid YAML: ${what}`)
  }
  markVaultTags(doc, source, lines)

  /** A mapping, or undefined for an empty value (`hosts:` with nothing after it), as Ansible takes it. */
  const mapping = (node: unknown, holder: unknown, what: string): YAMLMap | undefined => {
    const value = isAlias(node) ? node.resolve(doc as Document) : node
    if (value === null || value === undefined || (isScalar(value) && value.value === null)) return undefined
    if (!isMap(value)) return fail(node, `${what} (got ${describe(value)})`, holder)
    return value
  }
  const nameOf = (key: unknown, what: string): string => {
    if (!isScalar(key) || typeof key.value !== 'string' || key.value === '') {
      return fail(key, `${what} must be a string (got ${describe(key)}${isScalar(key) && key.value !== null && typeof key.value !== 'string' ? '; quote it' : ''})`)
    }
    return key.value
  }
  const varsOf = (map: YAMLMap | undefined): Record<string, unknown> => (map ? (map.toJS(doc as Document) as Record<string, unknown>) : {})

  /** The groups being walked, outermost first; and each block walked already, with the group names it was walked for. */
  const path: string[] = []
  const walked = new Map<unknown, Set<string>>()
  const group = (name: string, node: unknown, holder: unknown) => {
    raw.group(name)
    if (path.includes(name)) raw.failCycle(lineOf(holder), [...path.slice(path.indexOf(name)), name])
    const block = isAlias(node) ? node.resolve(doc as Document) : node
    const seen = walked.get(block) ?? walked.set(block, new Set()).get(block)!
    // Walking the same block for the same group again adds nothing (hosts, vars and links are set, not appended).
    if (block && seen.has(name)) return
    seen.add(name)
    path.push(name)
    walkGroup(name, node, holder)
    path.pop()
  }
  const walkGroup = (name: string, node: unknown, holder: unknown) => {
    const block = mapping(node, holder, `group '${name}' must be a mapping with hosts, children or vars`)
    for (const { key, value } of block?.items ?? []) {
      const field = nameOf(key, `a key of group '${name}'`)
      if (!GROUP_KEYS.includes(field)) fail(key, `unknown key '${field}' in group '${name}' (expected hosts, children or vars)`)
      if (field === 'hosts') {
        const hosts = mapping(value, key, `'hosts' of group '${name}' must be a mapping of host names`)
        for (const h of hosts?.items ?? []) {
          const entry = nameOf(h.key, `a host name in group '${name}'`)
          const { names, port } = parseHostEntry(entry, (what) => fail(h.key, what))
          const vars = varsOf(mapping(h.value, h.key, `the vars of host '${entry}' in group '${name}' must be ${VARS}, or empty`))
          raw.addHosts(name, names, port ? { ansible_port: port, ...vars } : vars, (what) => fail(h.key, what))
        }
      } else if (field === 'children') {
        const children = mapping(value, key, `'children' of group '${name}' must be a mapping of group names`)
        for (const c of children?.items ?? []) {
          const child = nameOf(c.key, `a child group name of group '${name}'`)
          raw.addChild(name, child, lineOf(c.key))
          group(child, c.value, c.key)
        }
      } else {
        const block = mapping(value, key, `'vars' of group '${name}' must be ${VARS}`)
        for (const [k, v] of Object.entries(varsOf(block))) {
          const pair = block!.items.find((p) => isScalar(p.key) && p.key.value === k)
          raw.setGroupVar(name, k, v, lineOf(pair?.key, key))
        }
      }
    }
  }

  const top = doc.contents
  if (top === null || (isScalar(top) && top.value === null)) {
    raw.fail(1, "the inventory is empty; start with 'all:' and its 'hosts' or 'children'")
  }
  const groups = mapping(top, undefined, "the inventory must be a mapping of group names, such as 'all:'")
  // As Ansible's yaml plugin: a `plugin:` file configures an inventory plugin (aws_ec2, libvirt…), which kvmplay does not run.
  const plugin = groups?.items.find((p) => isScalar(p.key) && p.key.value === 'plugin' && isScalar(p.value) && p.value.value)
  if (plugin) {
    fail(plugin.key, `this is an inventory plugin's configuration (plugin: ${String((plugin.value as { value: unknown }).value)}), not an inventory; kvmplay runs no inventory plugins: give it the inventory the plugin makes, as a file (ansible-inventory -i ${source} --list --yaml --output hosts.yml) or a script that prints it`)
  }
  for (const pair of groups?.items ?? []) group(nameOf(pair.key, 'a top-level group name'), pair.value, pair.key)
  return raw
}
