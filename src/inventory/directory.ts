/**
 * An inventory directory: every file in it is a source, read in sorted
 * order, subdirectories too — as Ansible's InventoryManager reads one. Left
 * out as Ansible leaves them out: hidden names, group_vars, host_vars and
 * vars_plugins, and names ending in one of INVENTORY_IGNORE_EXTS (its
 * default: notes, backups, packages — and `.ini`, `.cfg`).
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/
/** Ansible's REJECT_EXTS plus .orig, .ini, .cfg, .retry. */
const IGNORED_ENDS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry']

export const ignoredSource = (name: string): boolean => IGNORED_NAMES.test(name) || IGNORED_ENDS.some((end) => name.endsWith(end))

/** The files of an inventory directory that are sources, in the order Ansible reads them. */
export function inventorySources(dir: string): string[] {
  // Python's sorted(): by code point.
  const names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return names.flatMap((name) => {
    if (ignoredSource(name)) return []
    const path = join(dir, name)
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? inventorySources(path) : [path]
  })
}
