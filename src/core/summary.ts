/**
 * The run's results grouped, for a person reading a fleet's run: per task,
 * the hosts with the same result on one line (`h1–h200  changed  apply
 * bridge br0`), and every host whose result is a failure on a line of its
 * own with why. Built from the task events as they come; printed before the
 * recap.
 */
import { hostRanges } from './host-ranges.ts'
import type { RunEvent, TaskStatus } from './result.ts'

type TaskEvent = Extract<RunEvent, { type: 'task' }>

/** Results a person must read host by host. */
const ONE_BY_ONE: ReadonlySet<TaskStatus> = new Set(['failed', 'rolled_back'])

export class ResultSummary {
  /** task name → status → hosts, in the order the results came (tasks by first result). */
  private readonly tasks = new Map<string, Map<TaskStatus, TaskEvent[]>>()
  private readonly unreachable: { host: string; reason: string }[] = []

  constructor(private readonly order: readonly string[] = []) {}

  add(e: RunEvent): void {
    if (e.type === 'unreachable') this.unreachable.push({ host: e.host, reason: e.reason })
    if (e.type !== 'task') return
    const name = e.handler ? `${e.task} (handler)` : e.task
    const byStatus = this.tasks.get(name) ?? this.tasks.set(name, new Map()).get(name)!
    const list = byStatus.get(e.status) ?? byStatus.set(e.status, []).get(e.status)!
    list.push(e)
  }

  /** The lines, hosts in inventory order within each group; `label` words a status as the reporter does. */
  lines(label: (status: TaskStatus) => string = (s) => s): string[] {
    const rank = new Map(this.order.map((h, i) => [h, i]))
    const sorted = (hosts: string[]) => [...hosts].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || a.localeCompare(b, 'en', { numeric: true }))
    const out: string[] = []
    for (const [task, byStatus] of this.tasks) {
      // The most common result first.
      for (const [status, events] of [...byStatus].sort((a, b) => b[1].length - a[1].length)) {
        if (ONE_BY_ONE.has(status)) {
          for (const e of [...events].sort((a, b) => (rank.get(a.host) ?? 0) - (rank.get(b.host) ?? 0))) out.push(`${e.host}  ${label(status)}  ${task}${e.reason ? ` — ${e.reason}` : ''}`)
        } else {
          out.push(`${hostRanges(sorted(events.map((e) => e.host)))}  ${label(status)}  ${task}`)
        }
      }
    }
    for (const u of this.unreachable) out.push(`${u.host}  unreachable  ${u.reason}`)
    return out
  }
}
