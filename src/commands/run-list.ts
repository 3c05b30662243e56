/**
 * `--list-hosts`, `--list-tasks`, `--list-tags`: what ansible-playbook prints
 * for them, and nothing run — no host contacted, no password asked. Tasks
 * are listed after --tags/--skip-tags/--start-at-task, as Ansible lists
 * them. A playbook whose tasks are a function of the host has them listed
 * host by host; one that reads the host to build them (the way back reads
 * libvirt) cannot be listed without connecting, and says so.
 */
import { createHostRuntime } from '../core/host.ts'
import { KvmplayError } from '../core/errors.ts'
import { tasksFor } from '../core/playbook.ts'
import type { Playbook } from '../core/playbook.ts'
import { selectTasks } from '../core/task-selection.ts'
import type { TaskSelection } from '../core/task-selection.ts'
import type { Task } from '../core/task.ts'
import { hostRanges } from '../core/host-ranges.ts'
import { dirname } from 'node:path'
import { loadPlaybook } from '../core/load-playbook.ts'
import { loadInventory } from '../inventory/index.ts'
import { parseExtraVars } from '../core/extra-vars.ts'
import { listing, selectionOf } from './run-ansible-flags.ts'
import { runHostNames } from './run-hosts.ts'
import type { RunArgs } from './run.ts'

export interface ListWhat {
  hosts?: boolean
  tasks?: boolean
  tags?: boolean
}

export interface ListHost {
  name: string
  vars: Record<string, unknown>
  groups: string[]
}

const tagsOf = (tags: readonly string[] | undefined) => `TAGS: [${(tags ?? []).join(', ')}]`

/** The listing's lines, as ansible-playbook --list-* prints them (a tab before TAGS). */
export async function listPlaybook(file: string, play: Playbook, hosts: readonly ListHost[], what: ListWhat, sel: TaskSelection, playbookDir: string): Promise<string[]> {
  const out = [`playbook: ${file}`, '', `  play #1 (${play.hosts}): ${play.name}\t${tagsOf([])}`]
  if (what.hosts) {
    out.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h.name}`))
  }
  if (!what.tasks && !what.tags) return out
  // One list for every host when the playbook's tasks are a list; host by host when they are a function of the host.
  const lists: { label?: string; tasks?: Task[]; why?: string }[] = []
  if (Array.isArray(play.tasks)) lists.push({ tasks: selectTasks(play.tasks, sel) })
  else {
    for (const h of hosts) {
      const runtime = createHostRuntime({ ...h, vars: { ...h.vars, ...play.vars }, playbookDir, connect: () => Promise.reject(new KvmplayError('usage', 'a listing connects to no host')) })
      try {
        lists.push({ label: h.name, tasks: selectTasks(await tasksFor(play, runtime), sel, `the tasks of ${h.name}`) })
      } catch (err) {
        lists.push({ label: h.name, why: `not listed: its tasks are built from what the host has (${(err as Error).message})` })
      }
    }
  }
  // Hosts whose lists are the same are listed once (h1–h200), as a fleet's usually are.
  const same = new Map<string, { hosts: string[]; list: (typeof lists)[number] }>()
  for (const l of lists) {
    const key = JSON.stringify([l.why, l.tasks?.map((t) => [t.name, t.tags])])
    const group = same.get(key) ?? same.set(key, { hosts: [], list: l }).get(key)!
    if (l.label) group.hosts.push(l.label)
  }
  for (const { hosts: names, list } of same.values()) {
    const l = { ...list, label: list.label && hostRanges(names) }
    const indent = l.label ? '      ' : '    '
    if (l.label) out.push(`    ${l.label}:`)
    if (l.why) {
      out.push(`${indent}${l.why}`)
      continue
    }
    if (what.tasks) out.push(`${indent}tasks:`, ...l.tasks!.map((t) => `${indent}  ${t.name}\t${tagsOf(t.tags)}`))
    if (what.tags) out.push(`${indent}TASK TAGS: [${[...new Set(l.tasks!.flatMap((t) => t.tags ?? []))].sort().join(', ')}]`)
  }
  return out
}

/** --list-hosts / --list-tasks / --list-tags: the listing's lines; nothing contacted, nothing asked. */
export async function listRun(args: RunArgs, what: NonNullable<ReturnType<typeof listing>>): Promise<string[]> {
  const { playbook, file } = await loadPlaybook(args.playbook)
  const inventory = loadInventory(args.inventory)
  const extraVars = parseExtraVars(args.extraVars ?? [])
  const hosts = runHostNames(args, inventory, playbook).map((name) => {
    const h = inventory.hosts.get(name)!
    return { name, vars: { ...h.vars, ...extraVars }, groups: h.groups }
  })
  return listPlaybook(file, playbook, hosts, what, selectionOf(args), dirname(file))
}
