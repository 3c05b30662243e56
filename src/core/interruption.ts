/**
 * An interrupted run (Ctrl-C, SIGTERM) ends within seconds, and says so.
 * The first signal starts no new host and no new task; what runs gets a
 * grace period to finish (a cutover's probes and confirmation take about a
 * second), then the hosts still at work are abandoned: their connections are
 * closed, and the recap names each with the task it was in and the tasks it
 * never ran. A second signal abandons them at once. Nothing is left
 * half-applied by that: a file is replaced by one rename, and a cutover that
 * was not confirmed rolls back by itself on the host when its timer fires.
 */

/** How long what runs may take to finish after the first signal. */
export const INTERRUPT_GRACE_MS = 5000

/** Where one host's play is: what it will run, how far it got, what it is in. */
export class PlayProgress {
  private tasks: string[] = []
  private started = 0
  /** The task (or phase: connecting, reading facts) the host is in; undefined between tasks. */
  current: string | undefined = 'connecting'
  /** The play is over: done, failed or unreachable, or stopped between two tasks by the interruption. */
  finished = false
  /** It ended because of the interruption, with tasks left. */
  stopped = false

  /** The host's tasks, once known (after they are built from its vars). */
  planned(tasks: string[]): void {
    this.tasks = tasks
  }

  /** A task starts (its index in the play, handlers after the tasks). */
  begin(task: string): void {
    this.current = task
    const i = this.tasks.indexOf(task, this.started)
    if (i >= 0) this.started = i + 1
  }

  end(): void {
    this.current = undefined
  }

  /** The play's tasks that never started. */
  notRun(): string[] {
    return this.tasks.slice(this.started)
  }
}

/** What the recap says of a host whose play the interruption cut short. */
export interface Interrupted {
  /** The task it was in when abandoned; absent when it stopped between two tasks. */
  task?: string
  /** The tasks that ran to a result before (in order; handlers too). */
  ran?: string[]
  notRun: string[]
}

/**
 * How each host's play ended where it did not run to its end, in words a
 * report section can put after the host's name: "was interrupted in 'x'",
 * "was stopped by the interruption before 'y'", "failed in 'x'", "could not
 * be reached", "was not started (…)".
 */
export function playEndings(
  interrupted: Readonly<Record<string, Interrupted>>,
  failedIn: Readonly<Record<string, string>>,
  unreachable: readonly string[],
  untouched: readonly string[],
  stopReason?: string,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const h of untouched) out[h] = `was not started (${stopReason ?? 'stopped'})`
  for (const h of unreachable) out[h] = 'could not be reached'
  for (const [h, task] of Object.entries(failedIn)) out[h] = `failed in '${task}'`
  for (const [h, i] of Object.entries(interrupted)) {
    out[h] = i.task ? `was interrupted in '${i.task}'` : `was stopped by the interruption${i.notRun.length ? ` before '${i.notRun[0]}'` : ''}`
  }
  return out
}

/**
 * Resolves once the hosts still at work are to be abandoned: `grace` after
 * `stop` aborts, or at once when `now` does. Never, when neither aborts.
 */
export function abandonment(stop: AbortSignal | undefined, now: AbortSignal | undefined, graceMs = INTERRUPT_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    if (now?.aborted) return resolve()
    now?.addEventListener('abort', () => resolve(), { once: true })
    const startGrace = () => setTimeout(resolve, graceMs).unref()
    if (stop?.aborted) startGrace()
    else stop?.addEventListener('abort', startGrace, { once: true })
  })
}
