/**
 * The unit of work. A task is plain data with a `plan`: read facts, return
 * the steps that would converge the host. No steps means converged, with a
 * reason. The runner — never the task — decides whether steps run (--check),
 * shows their diffs (--diff), and drops the facts after a change.
 */
import type { Connection } from '../connection/types.ts'
import type { FactRequest } from '../facts/fact.ts'
import type { Host } from './host.ts'

export interface FileDiff {
  /** What changes: a path, or "network br0 (XML)". */
  label: string
  before: string
  after: string
}

/** A file as it was before this run first changed it (undefined content: it did not exist). */
export interface FileOriginal {
  path: string
  content?: string
  mode?: string
  owner?: string
  group?: string
}

/** What a step may use besides the connection. */
export interface StepContext {
  host: string
  /** Records a file's original before the run first changes it: a cutover's rollback restores it. */
  journal: FileJournal
  /** Drops the host's connection and opens a new one (after a change to how the host is reached). */
  reconnect(opts?: { connectTimeoutMs?: number }): Promise<Connection>
  /** Opens a new connection and leaves the host's own as it is (proof that the host can be reached anew). */
  connectAgain(opts?: { connectTimeoutMs?: number }): Promise<Connection>
  /** Makes a connection from connectAgain the host's own, closing the one before. */
  adopt(conn: Connection): void
}

export interface FileJournal {
  record(original: FileOriginal): void
  originals(): FileOriginal[]
}

export interface Step {
  /** One line for the report: "write /etc/sysctl.conf (mode 0644)". */
  summary: string
  diff?: FileDiff
  /**
   * Fact keys (prefixes) this step can make stale. Left out, every fact of
   * the host is dropped after it runs: always correct, never the fastest.
   */
  invalidates?: readonly string[]
  /** Controller-side bookkeeping before the step runs (e.g. journaling a file's original). */
  prepare?(ctx: StepContext): void
  /**
   * Set when the step is nothing but this remote command (and run() just runs
   * it): the runner may then send it with its neighbours in one exec.
   */
  shell?: { command: string; stdin?: string }
  /**
   * Does the step without a shell where the host allows it (libvirt's API
   * over a forwarded socket); resolves false where it does not, and the
   * step then runs as usual (prepare, then shell or run()).
   */
  native?(conn: Connection, ctx: StepContext): Promise<boolean>
  run(conn: Connection, ctx: StepContext): Promise<void>
}

export interface Plan {
  steps: Step[]
  /** Why nothing needs doing (shown for ok), or a note on what the steps do. */
  reason?: string
}

/** Options every task takes. */
export interface TaskOptions {
  /** Shown in reports; each task has a sensible default. */
  name?: string
  /** Handlers (by name, from the playbook's `handlers`) to run once at the end of the host's play if this task changed something. */
  notify?: string | string[]
  /** Tasks to run once at the end of the host's play if this task changed something. */
  onChange?: Task | Task[]
  /** Run the task only on hosts where this is true; others report it skipped. */
  when?: (host: Host) => boolean | Promise<boolean>
}

export interface Task {
  readonly name: string
  /** Everything this task reads, so the runner can fetch the whole play's facts in one round trip. */
  facts?(host: Host): FactRequest[]
  /** Local checks before any step runs on the host (e.g. render templates): errors here leave the host untouched. */
  prepare?(host: Host): void | Promise<void>
  plan(host: Host): Promise<Plan>
  readonly notify: readonly string[]
  readonly onChange: readonly Task[]
  readonly when?: (host: Host) => boolean | Promise<boolean>
}

export interface TaskSpec {
  name: string
  facts?: Task['facts']
  prepare?: Task['prepare']
  plan: Task['plan']
}

/** Builds a task from its spec and the user's common options. */
export function defineTask(spec: TaskSpec, opts: TaskOptions = {}): Task {
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])
  return {
    name: opts.name ?? spec.name,
    facts: spec.facts,
    prepare: spec.prepare,
    plan: spec.plan,
    notify: list(opts.notify),
    onChange: list(opts.onChange),
    when: opts.when,
  }
}

/** Converged: no steps, and why. */
export const converged = (reason: string): Plan => ({ steps: [], reason })
