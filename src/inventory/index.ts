/** Loads an Ansible inventory file, YAML or INI. */
import { readFileSync } from 'node:fs'
import { isMap, parseDocument } from 'yaml'
import { KvmplayError } from '../core/errors.ts'
import { parseIniInventory } from './ini.ts'
import { parseYamlInventory } from './yaml.ts'
import type { Inventory } from './types.ts'

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

export function loadInventory(path: string): Inventory {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'does not exist'
      : code === 'EISDIR' ? 'is a directory (inventory directories are not supported)'
      : `cannot be read (${(err as Error).message})`
    throw new KvmplayError('inventory', `inventory file ${path} ${why}; pass -i with an existing inventory file (Ansible YAML or INI)`, { cause: err })
  }
  return parseInventory(text, path)
}

export { selectHosts } from './limit.ts'
export type { Inventory, InventoryGroup, InventoryHost } from './types.ts'
