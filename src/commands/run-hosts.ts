/** The hosts a run works on, found before any is contacted (run and its listings alike). */
import type { Inventory } from '../inventory/index.ts'
import { selectHosts } from '../inventory/index.ts'
import { inSlice, parseSlice } from '../inventory/slice.ts'
import { KvmplayError } from '../core/errors.ts'
import type { Playbook } from '../core/playbook.ts'
import { selectTasks } from '../core/task-selection.ts'
import { selectionOf } from './run-ansible-flags.ts'
import type { RunArgs } from './run.ts'

/** The hosts of the run: the playbook's pattern, then --limit, then --slice. */
export function runHostNames(args: RunArgs, inventory: Inventory, playbook: Playbook): string[] {
  let names = selectHosts(inventory, playbook.hosts)
  if (args.limit) {
    const limited = new Set(selectHosts(inventory, args.limit))
    names = names.filter((n) => limited.has(n))
  }
  if (names.length === 0) {
    throw new KvmplayError(
      'usage',
      `no host of ${args.inventory} matches the playbook's hosts '${playbook.hosts}'${args.limit ? ` and --limit '${args.limit}'` : ''}; known hosts: ${[...inventory.hosts.keys()].slice(0, 20).join(', ') || 'none'}`,
    )
  }
  // After --limit, so that N workers with the same limit cover its hosts once; a slice may be empty (its recap then says so).
  if (args.slice !== undefined) names = inSlice(names, parseSlice(args.slice))
  // A list of tasks is checked against --start-at-task here, before any host; a function of the host, on each host.
  if (Array.isArray(playbook.tasks)) selectTasks(playbook.tasks, selectionOf(args))
  return names
}

