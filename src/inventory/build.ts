/**
 * Both formats parse into the same raw shape; this turns it into an
 * Inventory with Ansible's group tree and vars precedence.
 */
import { KvmplayError } from '../core/errors.ts'
import type { Inventory, InventoryGroup, InventoryHost } from './types.ts'
import { MAX_HOSTS } from './hostnames.ts'
import type { VarsDirs } from './vars-dirs.ts'
import { revealVaulted } from './vault.ts'
import type { VaultSecret } from './vault.ts'

/**
 * Where group_vars/ and host_vars/ are read: beside each inventory source (its
 * directory, or the inventory directory itself), then beside the playbook.
 */
export interface VarsLayers {
  inventory: readonly string[]
  playbook: readonly string[]
  dirs: VarsDirs
  /** For the vaulted values and files the hosts' vars hold. */
  secrets: readonly VaultSecret[]
}

export class RawInventory {
  readonly groups = new Map<string, InventoryGroup>()
  /** Each host's own vars, in order of first appearance. */
  readonly hostVars = new Map<string, Record<string, unknown>>()
  /** Where each parent → child link was written, to point at a cycle. */
  private readonly linkLines = new Map<string, number>()
  /** Each host's groups that list it directly: kept beside the groups' lists so that neither adding nor building is quadratic in the hosts. */
  readonly directGroups = new Map<string, Set<string>>()

  constructor(readonly source: string) {
    this.group('all')
  }

  fail(line: number, what: string): never {
    throw new KvmplayError('inventory', `${this.source}:${line}: ${what}`)
  }

  group(name: string): InventoryGroup {
    let g = this.groups.get(name)
    if (!g) {
      g = { name, vars: {}, children: [], parents: [], hosts: [], priority: 1 }
      this.groups.set(name, g)
    }
    return g
  }

  /** `ansible_group_priority` sets the group's priority, as in Ansible, and is not a var. */
  setGroupVar(group: string, key: string, value: unknown, line: number): void {
    if (key !== 'ansible_group_priority') {
      this.group(group).vars[key] = value
      return
    }
    const priority = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
    if (typeof priority !== 'number' || !Number.isInteger(priority)) {
      this.fail(line, `ansible_group_priority of group '${group}' must be an integer (got ${JSON.stringify(value)})`)
    }
    this.group(group).priority = priority
  }

  private ensureHost(host: string): void {
    if (!this.hostVars.has(host)) {
      this.hostVars.set(host, {})
      this.directGroups.set(host, new Set())
    }
  }

  /** A host listed again (in the same or another group) stays one host; later vars win. */
  addHost(group: string, host: string, vars: Record<string, unknown>): void {
    this.ensureHost(host)
    Object.assign(this.hostVars.get(host)!, vars)
    const direct = this.directGroups.get(host)!
    if (!direct.has(group)) {
      direct.add(group)
      this.group(group).hosts.push(host)
    }
  }

  /** One entry's hosts (a range gives many), refused with `fail` once the inventory would hold more than MAX_HOSTS. */
  addHosts(group: string, names: string[], vars: Record<string, unknown>, fail: (what: string) => never): void {
    for (const n of names) this.addHost(group, n, vars)
    if (this.hostVars.size > MAX_HOSTS) fail(`with this entry the inventory holds ${this.hostVars.size} hosts, more than the ${MAX_HOSTS} kvmplay reads from one inventory`)
  }

  addChild(parent: string, child: string, line: number): void {
    const p = this.group(parent)
    const c = this.group(child)
    if (!p.children.includes(child)) p.children.push(child)
    if (!c.parents.includes(parent)) c.parents.push(parent)
    if (!this.linkLines.has(`${parent}\0${child}`)) this.linkLines.set(`${parent}\0${child}`, line)
  }

  /**
   * Another source's inventory read into this one, as Ansible reads the
   * sources of a directory into one: a host or group met again stays one, its
   * later vars win; hosts keep the order they were first met in.
   */
  merge(other: RawInventory): void {
    for (const host of other.hostVars.keys()) this.ensureHost(host)
    for (const g of other.groups.values()) {
      const mine = this.group(g.name)
      Object.assign(mine.vars, g.vars)
      if (g.priority !== 1) mine.priority = g.priority
      for (const child of g.children) this.addChild(g.name, child, other.linkLines.get(`${g.name}\0${child}`) ?? 1)
      for (const host of g.hosts) this.addHost(g.name, host, {})
    }
    for (const [host, vars] of other.hostVars) Object.assign(this.hostVars.get(host)!, vars)
  }

  /** `cycle` from a group back to itself (a → b → a), at the line of the link that closes it. */
  failCycle(line: number, cycle: string[]): never {
    return this.fail(line, `group '${cycle[0]}' is its own ancestor (${cycle.join(' → ')}); a group's children cannot include its ancestors`)
  }

  /** A group that is its own ancestor, named by its cycle, at the line of the link that closes it. */
  checkCycles(): void {
    const done = new Set<string>()
    const path: string[] = []
    const visit = (name: string) => {
      const at = path.indexOf(name)
      if (at >= 0) {
        this.failCycle(this.linkLines.get(`${path.at(-1)}\0${name}`) ?? 1, [...path.slice(at), name])
      }
      if (done.has(name)) return
      path.push(name)
      for (const c of this.group(name).children) visit(c)
      path.pop()
      done.add(name)
    }
    for (const name of [...this.groups.keys()]) visit(name)
  }
}

/**
 * Ansible's order for the vars of group_vars/ (VariableManager.get_vars, its
 * default precedence): 'all' of the inventory's, then of the playbook's; then
 * the host's other groups, in merge order, for each inventory source, then for
 * the playbook. host_vars/: the inventory's, then the playbook's.
 */
function addDirVars(vars: Record<string, unknown>, layers: VarsLayers, names: string[], kind: 'group_vars' | 'host_vars'): void {
  const bases = [...layers.inventory, ...layers.playbook]
  if (kind === 'group_vars') for (const base of bases) Object.assign(vars, layers.dirs.vars(base, kind, 'all'))
  for (const base of bases) for (const n of names) Object.assign(vars, layers.dirs.vars(base, kind, n))
}

/**
 * A host whose vars are merged when first read: a run reads those of the
 * hosts it works on, so that only their group_vars/ and host_vars/ files are
 * read and only what they hold vaulted needs its password (a --limit to
 * staging needs no production vault id), still before any host is contacted.
 */
function withLazyVars(host: Omit<InventoryHost, 'vars'>, merge: () => Record<string, unknown>): InventoryHost {
  let vars: Record<string, unknown> | undefined
  return Object.defineProperty(host, 'vars', { enumerable: true, get: () => (vars ??= merge()) }) as InventoryHost
}

/** Ansible sorts names as Python does: by code point, not by locale. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export function buildInventory(raw: RawInventory, layers?: VarsLayers): Inventory {
  // Every group hangs somewhere under 'all'; hosts in no group but 'all' are 'ungrouped'.
  raw.group('ungrouped')
  for (const g of raw.groups.values()) if (g.name !== 'all' && g.parents.length === 0) raw.addChild('all', g.name, 1)
  // After linking to 'all', so that `[web:children] all` is caught too.
  raw.checkCycles()
  const ungrouped = raw.group('ungrouped')
  for (const [host, direct] of raw.directGroups) {
    const elsewhere = [...direct].some((g) => g !== 'all' && g !== 'ungrouped')
    if (elsewhere) direct.delete('ungrouped')
    else if (!direct.has('ungrouped')) raw.addHost('ungrouped', host, {})
  }
  ungrouped.hosts = ungrouped.hosts.filter((host) => raw.directGroups.get(host)!.has('ungrouped'))

  // A group's depth is its longest path from 'all', as Ansible computes it.
  const depths = new Map<string, number>()
  const depth = (name: string): number => {
    let d = depths.get(name)
    if (d === undefined) {
      d = Math.max(-1, ...raw.group(name).parents.map(depth)) + 1
      depths.set(name, d)
    }
    return d
  }
  // Ansible's merge order: shallower groups first, then lower priority, then by name; later wins.
  const mergeOrder = (a: string, b: string) =>
    depth(a) - depth(b) || raw.group(a).priority - raw.group(b).priority || byCodePoint(a, b)

  const hosts = new Map<string, InventoryHost>()
  for (const [name, own] of raw.hostVars) {
    const member = new Set<string>(['all'])
    const climb = (group: string) => {
      if (member.has(group)) return
      member.add(group)
      for (const p of raw.group(group).parents) climb(p)
    }
    for (const g of raw.directGroups.get(name)!) climb(g)
    const groups = [...member].sort(mergeOrder)
    hosts.set(name, withLazyVars({ name, groups }, () => {
      const vars: Record<string, unknown> = {}
      for (const g of groups) Object.assign(vars, raw.group(g).vars)
      if (layers) addDirVars(vars, layers, groups.filter((g) => g !== 'all'), 'group_vars')
      Object.assign(vars, own)
      if (layers) addDirVars(vars, layers, [name], 'host_vars')
      // A host's vars are its own: no object shared with a group or another host.
      return structuredClone(revealVaulted(vars, layers?.secrets ?? []) as Record<string, unknown>)
    }))
  }
  return { source: raw.source, hosts, groups: raw.groups }
}
