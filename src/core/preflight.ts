/**
 * A playbook whose tasks are a function of the host builds them per host,
 * when the host's turn comes — after other hosts may have been changed. Each
 * task checks its options as it is built (src/core/shape.ts), so the tasks
 * of every host are built here first, before any host is contacted: one
 * host's misspelt option stops the run with every host as it was.
 *
 * Built without the host: a tasks function that reads a fact cannot be
 * built here and is left to the run, as before (its host is then checked
 * when its turn comes, before that host is touched).
 */
import type { Host } from './host.ts'
import { tasksFor } from './playbook.ts'
import type { Playbook } from './playbook.ts'

class NeedsTheHost extends Error {}

const noFacts = () => Promise.reject(new NeedsTheHost('facts are read when the host is contacted'))

export async function buildTasksFirst(play: Playbook, hosts: readonly Pick<Host, 'name' | 'vars' | 'groups'>[], playbookDir: string): Promise<void> {
  if (typeof play.tasks !== 'function') return // built, and checked, when the playbook loaded
  for (const h of hosts) {
    const host: Host = { name: h.name, vars: h.vars, groups: h.groups, playbookDir, fact: noFacts, gather: noFacts as Host['gather'] }
    try {
      await tasksFor(play, host)
    } catch (err) {
      if (!(err instanceof NeedsTheHost)) throw err
    }
  }
}
