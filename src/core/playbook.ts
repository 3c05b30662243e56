/**
 * A playbook: which hosts, which vars, which tasks, which handlers.
 * `playbook()` checks the shape when the file is loaded, so a mistake is
 * reported before any host is contacted.
 */
import { KvmplayError } from './errors.ts'
import type { Host } from './host.ts'
import type { Task } from './task.ts'
import { rolloutBatches, validateMaxFail } from './rollout.ts'
import type { Serial } from './rollout.ts'
import { checkOptions, object, unknownValue } from './shape.ts'
/**
 * `Reservations`: the playbook's reservations for the LAN's DHCP server. The core
 * carries them without knowing their shape (only that they are an object): the
 * guests' layer reads them (src/guests/reservations-spec.ts, PlaybookReservations),
 * and src/index.ts gives playbook authors the type.
 */
export interface PlaybookSpec<Reservations extends object = object> {
  /** Shown in reports. */
  name: string
  /** Ansible host pattern: a group, host names, globs, `a:b`, `a:&b`, `a:!b`. */
  hosts: string
  /** Play vars: over inventory vars, under extra vars (-e). */
  vars?: Record<string, unknown>
  /** The tasks, in order; a function to vary them per host (by its name, vars or groups). */
  tasks: Task[] | ((host: Host) => Task[] | Promise<Task[]>)
  /** Tasks run once at the end of a host's play when a task that names them in `notify` changed something. */
  handlers?: Record<string, Task>
  /**
   * Rolling batches: a number of hosts, a percentage, or a list (`[1, '10%', '100%']`: a
   * canary first). A batch starts when the one before it has finished.
   */
  serial?: Serial
  /**
   * Stop the rollout when more than this percentage of a batch fails (failed, unreachable
   * or rolled back). Default with serial: 0 — any failure stops it.
   */
  maxFailPercentage?: number
  /** Run the play's commands as another user (Ansible's become): over -b, under the hosts' ansible_become. */
  become?: boolean
  /** 'sudo' (default), 'su' or 'doas'. */
  becomeMethod?: 'sudo' | 'su' | 'doas'
  /** Whom to become (default root). */
  becomeUser?: string
  /**
   * Reservations for the LAN's DHCP server, planned before any task runs (a range too small
   * for the fleet stops the run with nothing moved): `{ range, format, out, map? }`, where
   * `map` may be a function of the guest NIC. The command line's --reservations-* win.
   */
  reservations?: Reservations
}

export interface Playbook<Reservations extends object = object> extends Required<Omit<PlaybookSpec<Reservations>, 'vars' | 'handlers' | 'serial' | 'maxFailPercentage' | 'become' | 'becomeMethod' | 'becomeUser' | 'reservations'>> {
  reservations?: Reservations
  serial?: Serial
  maxFailPercentage?: number
  become?: boolean
  becomeMethod?: 'sudo' | 'su' | 'doas'
  becomeUser?: string
  readonly kind: 'kvmplay-playbook'
  vars: Record<string, unknown>
  handlers: Record<string, Task>
}

/** The keys playbook() takes: one misspelt (`handler`, `serail`) is named, not ignored; the values are checked below, each with its own message. */
const any = unknownValue
const playbookKeys = object<Partial<PlaybookSpec>>({
  name: any, hosts: any, vars: any, tasks: any, handlers: any, serial: any, maxFailPercentage: any, become: any, becomeMethod: any, becomeUser: any, reservations: any,
})

const isTask = (t: unknown): t is Task => typeof t === 'object' && t !== null && typeof (t as Task).plan === 'function'

/**
 * Defines a playbook; the default export of a `*.play.ts` file.
 *
 * @example
 * ```ts
 * import { playbook } from 'kvmplay'
 * import { enableIpForward, template } from 'kvmplay/tasks'
 *
 * export default playbook({
 *   name: 'prepare hypervisors',
 *   hosts: 'hypervisors',
 *   vars: { motd: 'managed by kvmplay' },
 *   tasks: [
 *     enableIpForward(),
 *     template({ src: 'motd.hbs', dest: '/etc/motd' }),
 *   ],
 * })
 * ```
 */
export function playbook<Reservations extends object = object>(spec: PlaybookSpec<Reservations>): Playbook<Reservations> {
  const bad = (what: string) => new KvmplayError('playbook', `playbook ${JSON.stringify(spec?.name ?? '')}: ${what}`)
  if (typeof spec !== 'object' || spec === null) throw new KvmplayError('playbook', 'playbook() takes an object: { name, hosts, tasks }')
  checkOptions('playbook', spec, playbookKeys)
  if (typeof spec.name !== 'string' || !spec.name) throw bad("'name' must be a non-empty string")
  if (typeof spec.hosts !== 'string' || !spec.hosts) throw bad("'hosts' must be a host pattern such as 'hypervisors'")
  if (!Array.isArray(spec.tasks) && typeof spec.tasks !== 'function') throw bad("'tasks' must be a list of tasks or a function (host) => tasks")
  if (Array.isArray(spec.tasks)) {
    spec.tasks.forEach((t, i) => {
      if (!isTask(t)) throw bad(`tasks[${i}] is not a task (did you forget to call it, e.g. enableIpForward()?)`)
    })
  }
  for (const [name, t] of Object.entries(spec.handlers ?? {})) if (!isTask(t)) throw bad(`handler '${name}' is not a task`)
  if (spec.vars !== undefined && (typeof spec.vars !== 'object' || spec.vars === null || Array.isArray(spec.vars))) {
    throw bad("'vars' must be an object")
  }
  if (spec.serial !== undefined) rolloutBatches([1], spec.serial) // throws on a bad value, at load time
  if (spec.maxFailPercentage !== undefined) validateMaxFail(spec.maxFailPercentage)
  if (spec.become !== undefined && typeof spec.become !== 'boolean') throw bad("'become' must be true or false")
  if (spec.becomeMethod !== undefined && !['sudo', 'su', 'doas'].includes(spec.becomeMethod)) throw bad("'becomeMethod' must be 'sudo', 'su' or 'doas'")
  if (spec.reservations !== undefined && (typeof spec.reservations !== 'object' || spec.reservations === null || Array.isArray(spec.reservations))) {
    throw bad("'reservations' must be an object: { range, format, out, map? }")
  }
  if (spec.becomeUser !== undefined && (typeof spec.becomeUser !== 'string' || !/^[a-z_][a-z0-9_.-]*\$?$/i.test(spec.becomeUser))) throw bad("'becomeUser' must be a user name")
  return {
    kind: 'kvmplay-playbook',
    name: spec.name,
    hosts: spec.hosts,
    tasks: spec.tasks,
    vars: spec.vars ?? {},
    handlers: spec.handlers ?? {},
    serial: spec.serial,
    maxFailPercentage: spec.maxFailPercentage,
    become: spec.become,
    becomeMethod: spec.becomeMethod,
    becomeUser: spec.becomeUser,
    reservations: spec.reservations,
  }
}

export const isPlaybook = (v: unknown): v is Playbook => typeof v === 'object' && v !== null && (v as Playbook).kind === 'kvmplay-playbook'

/** The host's task list, checked: every task is a task, every notify names a handler. */
export async function tasksFor(play: Playbook, host: Host): Promise<Task[]> {
  const tasks = typeof play.tasks === 'function' ? await play.tasks(host) : play.tasks
  if (!Array.isArray(tasks)) throw new KvmplayError('playbook', `playbook '${play.name}': tasks(${host.name}) must return a list of tasks`)
  tasks.forEach((t, i) => {
    if (!isTask(t)) throw new KvmplayError('playbook', `playbook '${play.name}': tasks(${host.name})[${i}] is not a task`)
    for (const h of t.notify) {
      if (!play.handlers[h]) {
        const known = Object.keys(play.handlers)
        throw new KvmplayError('playbook', `task '${t.name}' notifies '${h}', which is not a handler of playbook '${play.name}' (handlers: ${known.join(', ') || 'none'})`)
      }
    }
  })
  return tasks
}
