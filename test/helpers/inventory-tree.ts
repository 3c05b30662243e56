/** Writes a tree of files (path → content) under a directory; a content starting with `#!` is made executable. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as assert from 'uvu/assert'
import { loadInventory } from '../../src/inventory/index.ts'
import type { Inventory } from '../../src/inventory/index.ts'
import type { VaultSecret } from '../../src/inventory/vault.ts'
import { ansibleGroups, ansibleHostVars } from './ansible.ts'

export function writeTree(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, content)
    if (content.startsWith('#!')) chmodSync(full, 0o755)
  }
  return root
}

/** Ansible's JSON for a vaulted value, { __ansible_vault: ciphertext }, replaced by the plaintext the test encrypted; an `!unsafe` one, { __ansible_unsafe: text }, by its text (kvmplay templates no Jinja: every string is as it is written). */
function unvault(value: unknown, plain: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => unvault(v, plain))
  if (typeof value !== 'object' || value === null) return value
  const o = value as Record<string, unknown>
  if (typeof o.__ansible_unsafe === 'string') return o.__ansible_unsafe
  if (typeof o.__ansible_vault === 'string') {
    const p = plain.get(o.__ansible_vault.trim())
    assert.ok(p !== undefined, `a vaulted value the test did not make: ${o.__ansible_vault.slice(0, 40)}`)
    return p
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unvault(v, plain)]))
}

export interface CompareOptions {
  playbookDir?: string
  vault?: VaultSecret[]
  /** ansible-inventory's own arguments for the same passwords. */
  ansibleArgs?: string[]
  /** Each vault text the test made → its plaintext. */
  plain?: ReadonlyMap<string, string>
}

/**
 * kvmplay's inventory, checked against ansible-inventory on the same files:
 * each group's hosts and children as `--list` gives them, and each host's
 * vars as `--host` gives them.
 */
export async function sameAsAnsible(inventory: string | string[], o: CompareOptions = {}): Promise<Inventory> {
  const inv = loadInventory(inventory, { playbookDir: o.playbookDir, vault: o.vault })
  const ansible = { playbookDir: o.playbookDir, args: o.ansibleArgs }
  const groups = ansibleGroups(inventory, ansible)
  const sorted = (names: string[] | undefined) => [...(names ?? [])].sort()
  // --list leaves out a group with neither hosts nor children, but for 'all', whose hosts it never lists.
  const ours = [...inv.groups.values()].filter((g) => g.name === 'all' || g.hosts.length || g.children.length)
  assert.equal(ours.map((g) => g.name).sort(), Object.keys(groups).sort(), 'the same groups')
  for (const g of ours) {
    const hosts = g.name === 'all' ? [] : sorted(g.hosts)
    assert.equal([hosts, sorted(g.children)], [sorted(groups[g.name].hosts), sorted(groups[g.name].children)], `group ${g.name}`)
  }
  const hosts = sorted([...new Set(Object.values(groups).flatMap((g) => g.hosts ?? []))])
  assert.equal([...inv.hosts.keys()].sort(), hosts, 'the same hosts')
  const theirs = await Promise.all(hosts.map((h) => ansibleHostVars(inventory, h, ansible)))
  hosts.forEach((h, i) => assert.equal(inv.hosts.get(h)!.vars, unvault(theirs[i], o.plain ?? new Map()), `the vars of ${h}`))
  return inv
}
