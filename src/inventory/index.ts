/** Loads an Ansible inventory file, YAML or INI. */
import { readFileSync } from 'node:fs'
import { KvmplayError } from '../core/errors.ts'
import { parseYamlInventory } from './yaml.ts'
import { parseIniInventory } from './ini.ts'
import type { Inventory } from './types.ts'

export type InventoryFormat = 'yaml' | 'ini'

/** YAML by extension, or by content: a first meaningful line like `all:` / `group:` rather than `[group]` or `host var=x`. */
export function detectFormat(text: string, source: string): InventoryFormat {
  if (/\.(ya?ml|json)$/i.test(source)) return 'yaml'
  if (/\.(ini|cfg)$/i.test(source)) return 'ini'
  const first = text.split('\n').find((l) => l.trim() && !/^\s*[#;]/.test(l)) ?? ''
  return /^[^\s=[]+:\s*(#.*)?$/.test(first.trim()) || first.trim() === '---' || first.trim().startsWith('{') ? 'yaml' : 'ini'
}

export function parseInventory(text: string, source: string, format: InventoryFormat = detectFormat(text, source)): Inventory {
  return format === 'yaml' ? parseYamlInventory(text, source) : parseIniInventory(text, source)
}

export function loadInventory(path: string): Inventory {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`
    throw new KvmplayError('inventory', `inventory ${path} ${why}; pass -i with an Ansible inventory file (YAML or INI)`)
  }
  return parseInventory(text, path)
}

export { selectHosts } from './limit.ts'
export type { Inventory, InventoryGroup, InventoryHost } from './types.ts'
