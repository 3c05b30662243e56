/**
 * Loads an Ansible inventory as users keep it: a file (YAML, INI), an
 * executable script (dynamic.ts) or a directory of them (directory.ts), with
 * the group_vars/ and host_vars/ beside it and beside the playbook
 * (vars-dirs.ts), vaulted values and files decrypted (vault.ts).
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { isMap, parseDocument } from 'yaml'
import { KvmplayError } from '../core/errors.ts'
import { RawInventory, buildInventory } from './build.ts'
import { inventorySources } from './directory.ts'
import { parseHostEntry } from './hostnames.ts'
import { isInventoryScript, readScriptInventory } from './dynamic.ts'
import { parseIniInventory, readIniInventory } from './ini.ts'
import { VarsDirs } from './vars-dirs.ts'
import type { VaultSecret } from './vault.ts'
import { parseYamlInventory, readYamlInventory } from './yaml.ts'
import type { Inventory } from './types.ts'

export interface LoadOptions {
  /** The playbook's directory: its group_vars/ and host_vars/ win over the inventory's. */
  playbookDir?: string
  /** The vault passwords given (--vault-password-file, --ask-vault-pass, --vault-id): what a host holds vaulted is decrypted when its vars are first read. */
  vault?: readonly VaultSecret[]
}

export type InventoryFormat = 'yaml' | 'ini'

/** A mapping of groups, at least one with `hosts`, `children` or `vars`: what Ansible's yaml plugin accepts. */
function isYamlInventory(text: string): boolean {
  const doc = parseDocument(text, { version: '1.1' })
  if (doc.errors.length || !isMap(doc.contents)) return false
  return doc.contents.items.some(({ value }) => isMap(value) && ['hosts', 'children', 'vars'].some((k) => value.has(k)))
}

/**
 * YAML by extension (.yml, .yaml, .json) or when the text is a YAML inventory; INI otherwise.
 * Text whose first line reads like a YAML key (`all:`) or `---` is YAML too, so that broken
 * YAML gets YAML's error, not INI's.
 */
export function detectFormat(text: string, source: string): InventoryFormat {
  if (/\.(ya?ml|json)$/i.test(source)) return 'yaml'
  if (isYamlInventory(text)) return 'yaml'
  const first = text.split('\n').find((l) => l.trim() && !/^\s*[#;]/.test(l))?.trim() ?? ''
  return /^[^\s=[\]:]+:\s*(#.*)?$/.test(first) || first === '---' || first.startsWith('{') ? 'yaml' : 'ini'
}

export function parseInventory(text: string, source: string, format: InventoryFormat = detectFormat(text, source)): Inventory {
  return format === 'yaml' ? parseYamlInventory(text, source) : parseIniInventory(text, source)
}

function readSource(path: string): RawInventory {
  if (isInventoryScript(path)) return readScriptInventory(path)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new KvmplayError('inventory', `inventory file ${path} cannot be read (${(err as Error).message})`, { cause: err })
  }
  // Ansible too would try to run it, fail, and read it as INI: the error that helps is the missing x bit.
  if (text.startsWith('#!')) throw new KvmplayError('inventory', `${path} starts with #! as an inventory script does, but is not executable; make it so (chmod +x ${path}) to have it run with --list`)
  return detectFormat(text, path) === 'yaml' ? readYamlInventory(text, path) : readIniInventory(text, path)
}

/** `-i 'h1,h2:2222,'`: Ansible's host_list, its hosts in 'ungrouped'. */
function readHostList(list: string): RawInventory {
  const raw = new RawInventory(list)
  const fail = (what: string): never => raw.fail(1, what)
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    const { names, port } = parseHostEntry(entry, fail)
    raw.addHosts('ungrouped', names, port ? { ansible_port: port } : {}, fail)
  }
  return raw
}

/** One -i: its groups and hosts, and where its group_vars/ are (a host list has none, as in Ansible). */
function readPath(path: string): { raw: RawInventory; base?: string } {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat && path.includes(',') && !path.includes('/')) return { raw: readHostList(path) }
  if (!stat) throw new KvmplayError('inventory', `inventory ${path} does not exist; pass -i with an existing inventory: a file (Ansible YAML or INI), a script or a directory of them, or a list of hosts such as 'h1,h2,'`)
  // Beside a file: its directory's group_vars/; an inventory directory: its own.
  if (!stat.isDirectory()) return { raw: readSource(path), base: dirname(path) }
  const raw = new RawInventory(path)
  const sources = inventorySources(path)
  if (sources.length === 0) throw new KvmplayError('inventory', `inventory directory ${path} holds no inventory source (hidden files, group_vars/, host_vars/ and names ending in .ini, .cfg, .md, .txt, ~ … are left out, as Ansible leaves them out)`)
  for (const source of sources) raw.merge(readSource(source))
  return { raw, base: path }
}

/** One inventory from one -i or several (`-i a -i b`, read in that order, as Ansible reads them). */
export function loadInventory(paths: string | readonly string[], opts: LoadOptions = {}): Inventory {
  const secrets = opts.vault ?? []
  const read = (typeof paths === 'string' ? [paths] : paths).map((p) => readPath(p))
  let raw = read[0].raw
  if (read.length > 1) {
    raw = new RawInventory(read.map((r) => r.raw.source).join(', '))
    for (const r of read) raw.merge(r.raw)
  }
  const inventory = read.flatMap((r) => (r.base ? [r.base] : []))
  return buildInventory(raw, { inventory, playbook: opts.playbookDir ? [opts.playbookDir] : [], dirs: new VarsDirs(secrets), secrets })
}

export { selectHosts } from './limit.ts'
export type { Inventory, InventoryGroup, InventoryHost } from './types.ts'
