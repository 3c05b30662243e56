/**
 * Both formats parse into the same raw shape; this turns it into an
 * Inventory with Ansible's group tree and vars precedence.
 */
import { KvmplayError } from '../core/errors.ts'
import type { Inventory, InventoryGroup, InventoryHost } from './types.ts'

export class RawInventory {
  readonly groups = new Map<string, InventoryGroup>()
  readonly hostVars = new Map<string, Record<string, unknown>>()
  readonly hostOrder: string[] = []

  constructor(readonly source: string) {
    this.group('all')
  }

  group(name: string): InventoryGroup {
    let g = this.groups.get(name)
    if (!g) {
      g = { name, vars: {}, children: [], parents: [], hosts: [] }
      this.groups.set(name, g)
    }
    return g
  }

  addHost(group: string, host: string, vars: Record<string, unknown> = {}): void {
    if (!this.hostVars.has(host)) {
      this.hostVars.set(host, {})
      this.hostOrder.push(host)
    }
    Object.assign(this.hostVars.get(host)!, vars)
    const g = this.group(group)
    if (!g.hosts.includes(host)) g.hosts.push(host)
  }

  addChild(parent: string, child: string): void {
    const p = this.group(parent)
    const c = this.group(child)
    if (!p.children.includes(child)) p.children.push(child)
    if (!c.parents.includes(parent)) c.parents.push(parent)
  }
}

/** `h[1:3]` → h1 h2 h3; `db-[a:c]` → db-a db-b db-c; `web[01:10:2]` keeps the zero padding. */
export function expandHostPattern(pattern: string): string[] {
  const m = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/i.exec(pattern)
  if (!m) return [pattern]
  const [, head, from, to, stepText, tail] = m
  const step = stepText ? Number(stepText) : 1
  const out: string[] = []
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const width = from.startsWith('0') ? from.length : 0
    for (let i = Number(from); i <= Number(to); i += step) out.push(String(i).padStart(width, '0'))
  } else if (/^[a-z]$/i.test(from) && /^[a-z]$/i.test(to)) {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += step) out.push(String.fromCharCode(c))
  } else {
    throw new Error(`invalid host range [${from}:${to}] in '${pattern}'`)
  }
  return out.flatMap((mid) => expandHostPattern(`${head}${mid}${tail}`))
}

/** Groups from the root down, each listed once, with its depth (longest path from 'all'). */
function depths(raw: RawInventory): Map<string, number> {
  const depth = new Map<string, number>()
  const visit = (name: string, d: number, path: string[]) => {
    if (path.includes(name)) {
      throw new KvmplayError('inventory', `${raw.source}: group '${name}' is its own ancestor (${[...path, name].join(' → ')})`)
    }
    if ((depth.get(name) ?? -1) >= d) return
    depth.set(name, d)
    for (const c of raw.group(name).children) visit(c, d + 1, [...path, name])
  }
  visit('all', 0, [])
  return depth
}

export function buildInventory(raw: RawInventory): Inventory {
  // Every group hangs somewhere under 'all'; hosts in no group but 'all' are 'ungrouped'.
  for (const g of raw.groups.values()) if (g.name !== 'all' && g.parents.length === 0) raw.addChild('all', g.name)
  for (const h of raw.hostOrder) {
    const inSome = [...raw.groups.values()].some((g) => g.name !== 'all' && g.hosts.includes(h))
    if (!inSome) raw.addHost('ungrouped', h)
  }
  if (raw.group('ungrouped').parents.length === 0) raw.addChild('all', 'ungrouped')
  const depth = depths(raw)
  const priority = (g: InventoryGroup) => Number(g.vars.ansible_group_priority ?? 1)

  const hosts = new Map<string, InventoryHost>()
  for (const name of raw.hostOrder) {
    const member = new Set<string>(['all'])
    const climb = (group: string) => {
      if (member.has(group)) return
      member.add(group)
      for (const p of raw.group(group).parents) climb(p)
    }
    for (const g of raw.groups.values()) if (g.hosts.includes(name)) climb(g.name)
    // Ansible's order: shallower groups first, then lower priority, then by name; later wins.
    const groups = [...member].sort((a, b) => {
      const ga = raw.group(a)
      const gb = raw.group(b)
      return (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || priority(ga) - priority(gb) || a.localeCompare(b)
    })
    const vars: Record<string, unknown> = {}
    for (const g of groups) Object.assign(vars, raw.group(g).vars)
    Object.assign(vars, raw.hostVars.get(name))
    delete vars.ansible_group_priority
    hosts.set(name, { name, vars, groups })
  }
  return { source: raw.source, hosts, groups: raw.groups }
}
