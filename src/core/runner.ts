/**
 * Runs a playbook over hosts: every host runs its tasks in order as fast as
 * it can (no lockstep across hosts), at most `forks` hosts at once. One
 * host's failure or unreachability is that host's result; the others go on.
 */
import pLimit from 'p-limit'
import type { Connection } from '../connection/types.ts'
import type { Target } from '../connection/target.ts'
import { isKvmplayError } from './errors.ts'
import type { ErrorKind } from './errors.ts'
import { createHostRuntime } from './host.ts'
import type { HostRuntime } from './host.ts'
import { tasksFor } from './playbook.ts'
import type { Playbook } from './playbook.ts'
import type { Task, TaskBecome } from './task.ts'
import type { StepHost } from './run-steps.ts'
import { emptyRecap, exitCodeOf } from './result.ts'
import type { HostProgress } from './progress.ts'
import { rolloutBatches } from './rollout.ts'
import type { Serial } from './rollout.ts'
import { EXIT } from './exit-codes.ts'
import type { HostRecap, RunEvent, TaskResult } from './result.ts'
import { runSteps } from './run-steps.ts'
import { SectionContributions } from './section.ts'
import type { ReportSection } from './section.ts'
import { abandonment, playEndings, PlayProgress } from './interruption.ts'
import type { Interrupted } from './interruption.ts'
import { reportedDiff } from './secret-diff.ts'
import { selectTasks } from './task-selection.ts'
import type { TaskSelection } from './task-selection.ts'

export interface RunHost {
  name: string
  vars: Record<string, unknown>
  groups: string[]
  target: Target
  /** The target a task with become keywords of its own runs its steps on (the CLI merges them as Ansible does). */
  targetFor?: (become: TaskBecome) => Target
}

export interface RunOptions {
  check?: boolean
  forks?: number
  extraVars?: Record<string, unknown>
  playbookDir: string
  connect: (target: Target) => Promise<Connection>
  onEvent?: (event: RunEvent) => void
  /** Each host's task as it starts, and (task undefined) the end of its play: the live progress line's, never in --json. */
  onProgress?: (p: HostProgress) => void
  /** Overrides the playbook's serial (--serial). */
  serial?: Serial
  /** Overrides the playbook's maxFailPercentage (--max-fail-percentage). */
  maxFailPercentage?: number
  /** The user's report file as it was before the run (`--report`), for the report sections that keep one (section.ts). */
  previousReport?: string
  /** Guest NICs' LAN reservations, MAC (lower case) → address: this run's (--reservations-*) over the kept report's. recordGuests' after looks for each guest there. */
  reserved?: ReadonlyMap<string, string>
  /** Aborted on Ctrl-C / SIGTERM: no new host or task starts, and what runs has `interruptGraceMs` to finish (interruption.ts). */
  signal?: AbortSignal
  /** Aborted on a second signal: the hosts still at work are abandoned at once. */
  abandonSignal?: AbortSignal
  interruptGraceMs?: number
  /** --tags, --skip-tags, --start-at-task (task-selection.ts). */
  select?: TaskSelection
  /** --step: asked before each task (and handler) on each host; false: the task is not run, and reported skipped. */
  confirm?: (host: string, task: string) => Promise<boolean>
}

export interface RunSummary {
  results: TaskResult[]
  recap: Record<string, HostRecap>
  /** Hosts that never started: the rollout stopped (maxFailPercentage) or was interrupted. */
  untouched: string[]
  /** Hosts whose play an interruption cut short: the task each was in, the tasks it never ran. */
  interrupted: Record<string, Interrupted>
  stopReason?: string
  exitCode: number
  durationMs: number
  /** The report sections tasks contributed to (section.ts), each with the run's result. */
  sections: { section: ReportSection; result: unknown }[]
}

export const DEFAULT_FORKS = 50

/** Errors that mean the link, not the task, failed: the host is unreachable. */
const LINK_KINDS: ReadonlySet<ErrorKind> = new Set(['connect', 'hostkey'])
/** Errors that mean the login cannot act as the play needs (become refused, libvirt out of reach): a failure, not unreachability. */
const ACCESS_KINDS: ReadonlySet<ErrorKind> = new Set(['become', 'libvirt-access'])

export async function runPlaybook(play: Playbook, hosts: RunHost[], opts: RunOptions): Promise<RunSummary> {
  const started = performance.now()
  const check = opts.check ?? false
  const emit = opts.onEvent ?? (() => {})
  const results: TaskResult[] = []
  const recap: Record<string, HostRecap> = Object.fromEntries(hosts.map((h) => [h.name, emptyRecap()]))
  const contributions = new SectionContributions()
  emit({ type: 'play', play: play.name, hosts: hosts.map((h) => h.name), check })

  const plays = new Map<string, PlayProgress>()
  /** Hosts given up on after an interruption: whatever they still report comes after the recap and is dropped. */
  const abandoned = new Set<string>()
  const record = (r: TaskResult) => {
    if (abandoned.has(r.host)) return
    results.push(r)
    recap[r.host][r.status]++
    emit({ type: 'task', ...r })
  }

  const runOne = async (h: RunHost) => {
    const host = createHostRuntime({
      name: h.name,
      vars: { ...h.vars, ...play.vars, ...opts.extraVars },
      groups: h.groups,
      playbookDir: opts.playbookDir,
      connect: (o) => opts.connect(o?.connectTimeoutMs && h.target.kind === 'ssh' ? { ...h.target, connectTimeoutMs: o.connectTimeoutMs } : h.target),
      contribute: (section, value) => contributions.add(section, h.name, value),
      reserved: opts.reserved,
    })
    // Tasks whose become differs from the play's run their steps on a connection of their own, one per kind.
    const others = new Map<string, Promise<Connection>>()
    const stepHost = (task: Task): StepHost => {
      const target = task.become && h.targetFor?.(task.become)
      if (!target || target.kind !== 'ssh' || h.target.kind !== 'ssh') return host
      const key = JSON.stringify([target.become?.method, target.become?.user])
      if (key === JSON.stringify([h.target.become?.method, h.target.become?.user])) return host
      const connection = () => {
        let c = others.get(key)
        if (!c) others.set(key, (c = opts.connect(target)))
        return c
      }
      return { name: host.name, recordOriginal: host.recordOriginal, reach: { ...host.reach, connection }, connection }
    }
    const playProgress = new PlayProgress()
    plays.set(h.name, playProgress)
    closers.set(h.name, () => host.close())
    const progress = (task?: string) => {
      if (task === undefined) playProgress.end()
      else playProgress.begin(task)
      opts.onProgress?.({ host: h.name, task })
    }
    progress('connecting')
    try {
      const choice = { select: opts.select, confirm: opts.confirm && ((task: string) => opts.confirm!(h.name, task)) }
      playProgress.stopped = (await runHost(play, host, check, record, stopped, stepHost, progress, (tasks) => playProgress.planned(tasks), choice)) === 'stopped'
      playProgress.finished = true
    } catch (err) {
      playProgress.finished = true
      if (abandoned.has(h.name)) return
      const e = err as Error
      recap[h.name].unreachable = 1
      emit({ type: 'unreachable', host: h.name, reason: e.message, errorKind: isKvmplayError(e) ? e.kind : undefined })
    } finally {
      progress()
      await host.close()
      await Promise.all([...others.values()].map((c) => c.then((x) => x.close(), () => {})))
    }
  }

  // Interrupted (Ctrl-C, SIGTERM): no new host, no new task; what runs has a grace period to finish.
  const stopped = () => opts.signal?.aborted === true
  const closers = new Map<string, () => Promise<void>>()
  const giveUp = abandonment(opts.signal, opts.abandonSignal, opts.interruptGraceMs)
  const serial = opts.serial ?? play.serial
  const maxFail = opts.maxFailPercentage ?? play.maxFailPercentage ?? (serial === undefined ? 100 : 0)
  const limit = pLimit(Math.max(1, opts.forks ?? DEFAULT_FORKS))
  const begun = new Set<string>()
  let stopReason: string | undefined
  const all = rolloutBatches(hosts, serial)
  for (const [index, batch] of all.entries()) {
    if (stopped()) {
      stopReason = 'interrupted'
      break
    }
    if (all.length > 1) emit({ type: 'batch', index: index + 1, of: all.length, hosts: batch.map((h) => h.name) })
    const batchDone = Promise.all(
      batch.map((h) =>
        limit(async () => {
          if (stopped()) return
          begun.add(h.name)
          await runOne(h)
        }),
      ),
    )
    if ((await Promise.race([batchDone.then(() => 'done' as const), giveUp.then(() => 'abandon' as const)])) === 'abandon') {
      // The hosts still at work after the grace: their connections closed (what waits on them fails at once), their results from now on dropped.
      for (const [name, p] of plays) if (!p.finished) abandoned.add(name)
      for (const name of abandoned) closers.get(name)?.().catch(() => {})
      break
    }
    const failed = batch.filter((h) => recap[h.name].failed + recap[h.name].unreachable + recap[h.name].rolled_back > 0)
    const pct = (failed.length / batch.length) * 100
    if (failed.length > 0 && pct > maxFail && index < all.length - 1) {
      stopReason = `batch ${index + 1} of ${all.length}: ${failed.length} of ${batch.length} host(s) failed (${failed.map((h) => h.name).join(', ')}), over maxFailPercentage ${maxFail}`
      break
    }
  }
  if (stopped()) stopReason ??= 'interrupted'
  const untouched = hosts.map((h) => h.name).filter((n) => !begun.has(n))
  for (const n of untouched) delete recap[n]
  const interrupted: Record<string, Interrupted> = {}
  const ran = (host: string) => results.filter((r) => r.host === host).map((r) => r.task)
  for (const [name, p] of plays) {
    if (abandoned.has(name)) interrupted[name] = { ...(p.current ? { task: p.current } : {}), ran: ran(name), notRun: p.notRun() }
    else if (p.stopped) interrupted[name] = { ran: ran(name), notRun: p.notRun() }
  }
  const failedIn = Object.fromEntries(results.filter((r) => r.status === 'failed' || r.status === 'rolled_back').map((r) => [r.host, r.task]))
  const unreachable = Object.keys(recap).filter((h) => recap[h].unreachable > 0)
  const ended = playEndings(interrupted, failedIn, unreachable, untouched, stopReason)
  const durationMs = performance.now() - started
  const exitCode = stopped() ? EXIT.INTERRUPTED : untouched.length && exitCodeOf(results, recap) === EXIT.OK ? EXIT.TASK_FAILED : exitCodeOf(results, recap)
  const sections = contributions.results(check, opts.previousReport, ended)
  for (const { section, result } of sections) emit({ type: 'section', section: section.name, data: result, text: section.render(result) })
  emit({ type: 'recap', hosts: recap, untouched, ...(Object.keys(interrupted).length ? { interrupted } : {}), stopReason, exitCode, durationMs })
  return { results, recap, untouched, interrupted, stopReason, exitCode, durationMs, sections }
}

/**
 * One host's play. Returns normally when tasks ran (failed or not);
 * throws only when the host cannot be reached, which the caller records.
 */
async function runHost(
  play: Playbook,
  host: HostRuntime,
  check: boolean,
  record: (r: TaskResult) => void,
  stopped: () => boolean,
  stepHost: (task: Task) => StepHost = () => host,
  progress: (task: string) => void = () => {},
  planned: (tasks: string[]) => void = () => {},
  choice: { select?: TaskSelection; confirm?: (task: string) => Promise<boolean> } = {},
): Promise<'done' | 'failed' | 'stopped'> {
  const result = (task: Task, handler: boolean, started: number, fields: Partial<TaskResult> & Pick<TaskResult, 'status'>): TaskResult => ({
    host: host.name,
    task: task.name,
    steps: [],
    diffs: [],
    handler,
    check,
    durationMs: performance.now() - started,
    ...fields,
  })

  // Everything that can be checked without touching the host, first.
  let tasks: Task[]
  const started = performance.now()
  try {
    tasks = await tasksFor(play, host)
    if (choice.select) tasks = selectTasks(tasks, choice.select, `the tasks of ${host.name}`)
    planned(tasks.map((t) => t.name))
    for (const t of [...tasks, ...Object.values(play.handlers)]) await t.prepare?.(host)
  } catch (err) {
    const e = err as Error
    const pseudo = { name: 'prepare', notify: [], onChange: [], plan: async () => ({ steps: [] }) } as Task
    record(result(pseudo, false, started, { status: 'failed', reason: e.message, errorKind: isKvmplayError(e) ? e.kind : undefined }))
    return 'failed'
  }

  // Connect (escalating, where the host becomes another user), and read every fact the play declares in one round trip.
  const requests = tasks.flatMap((t) => t.facts?.(host) ?? [])
  try {
    const conn = await host.connection()
    // What the login may do, asked once per kind (libvirt's socket for a login that is not root).
    for (const access of new Set(requests.flatMap((r) => (r.fact.access ? [r.fact.access] : [])))) {
      const denied = await access(conn)
      if (denied) throw denied
    }
  } catch (err) {
    // Logged in, but not as whom the play needs: the host's failure, named, with nothing changed.
    if (!isKvmplayError(err) || !ACCESS_KINDS.has(err.kind)) throw err
    const pseudo = { name: err.kind === 'become' ? 'become' : 'libvirt access', notify: [], onChange: [], plan: async () => ({ steps: [] }) } as Task
    record(result(pseudo, false, started, { status: 'failed', reason: err.message, errorKind: err.kind }))
    return 'failed'
  }
  progress('reading facts')
  await host.gather(requests).catch(() => {
    // A fact that fails here fails again, with context, in its task's plan.
  })

  const notified: Task[] = []
  // In check mode nothing is applied, so a task that needs an earlier one's
  // change (destroy a network once its guests moved) cannot be planned yet.
  let wouldChange = false
  const runTask = async (task: Task, handler: boolean): Promise<boolean> => {
    progress(task.name)
    const t0 = performance.now()
    try {
      if (choice.confirm && !(await choice.confirm(task.name))) {
        record(result(task, handler, t0, { status: 'skipped', reason: 'not run: answered no at --step' }))
        return true
      }
      if (task.when && !(await task.when(host))) {
        record(result(task, handler, t0, { status: 'skipped', reason: 'condition (when) is false' }))
        return true
      }
      const plan = await task.plan(host)
      if (plan.steps.length === 0) {
        record(result(task, handler, t0, { status: 'ok', reason: plan.reason }))
        return true
      }
      const steps = plan.steps.map((s) => s.summary)
      // The one place diffs leave the steps: a secret file's go without their content, for every task.
      const diffs = plan.steps.flatMap((s) => (s.diff ? [reportedDiff(s.diff)] : []))
      let notes: string[] = []
      // Files a later task of the play puts in place under its confirmed apply: kept for it, not written now.
      const taker = plan.stage && !handler ? tasks.slice(tasks.indexOf(task) + 1).find((t) => t.takesStaged === plan.stage!.key) : undefined
      if (taker && !check) {
        host.stage(plan.stage!.key, plan.stage!.files)
        notes = [`staged: '${taker.name}' writes ${plan.stage!.files.map((f) => f.path).join(', ')} under its confirmed apply, so a change refused or rolled back leaves them as they are`]
      } else if (!check) {
        try {
          notes = await runSteps(plan.steps, stepHost(task))
        } finally {
          // Drop what the steps can have changed; a step that does not say drops everything.
          const touched = plan.steps.every((st) => st.touches) ? plan.steps.flatMap((st) => st.touches ?? []) : undefined
          host.cache.invalidate(touched)
        }
      }
      wouldChange = true
      const reason = [plan.reason, ...notes].filter(Boolean).join('. ') || undefined
      record(result(task, handler, t0, { status: 'changed', reason, steps, diffs }))
      for (const name of task.notify) if (!notified.includes(play.handlers[name])) notified.push(play.handlers[name])
      for (const t of task.onChange) if (!notified.includes(t)) notified.push(t)
      return true
    } catch (err) {
      if (isKvmplayError(err) && LINK_KINDS.has(err.kind)) throw err
      const e = err as Error
      if (isKvmplayError(e, 'rolled-back')) {
        record(result(task, handler, t0, { status: 'rolled_back', reason: e.message, errorKind: e.kind }))
        return false
      }
      if (check && wouldChange && isKvmplayError(e, 'precondition')) {
        record(result(task, handler, t0, { status: 'skipped', reason: `depends on the changes above, which --check does not make: ${e.message}` }))
        return true
      }
      record(result(task, handler, t0, { status: 'failed', reason: e.message, errorKind: isKvmplayError(e) ? e.kind : undefined }))
      return false
    }
  }

  for (const task of tasks) {
    if (stopped()) return 'stopped'
    // Like Ansible: a failed task ends the host's play; the handlers it would have run do not run.
    if (!(await runTask(task, false))) return 'failed'
  }
  // Handlers run in the order the playbook defines them, inline onChange tasks after.
  const named = Object.values(play.handlers)
  const ordered = [...named.filter((h) => notified.includes(h)), ...notified.filter((t) => !named.includes(t))]
  for (const handler of ordered) if (!(await runTask(handler, true))) return 'failed'
  return 'done'
}
