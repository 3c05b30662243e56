/**
 * The unit of work. A task is plain data with a `plan`: read facts, return
 * the steps that would converge the host. No steps means converged, with a
 * reason. The runner — never the task — decides whether steps run (--check),
 * shows their diffs (--diff), and drops the facts after a change.
 */
import type { Connection } from '../connection/types.ts'
import type { FactRequest, FactValues } from '../facts/fact.ts'
import type { Host } from './host.ts'
import type { Resource } from './resource.ts'

export interface FileDiff {
  /** What changes: a path, or "network br0 (XML)". */
  label: string
  before: string
  after: string
  /** The file's mode before and after ('0600', undefined where there is no file): one others cannot read is not shown (secret-diff.ts). */
  modes?: { before?: string; after?: string }
  /** Never show the content, whatever the mode or path (a file task's `secret: true`). */
  secret?: boolean
}

/** A file as it was before this run first changed it (undefined content: it did not exist). */
export interface FileOriginal {
  path: string
  content?: string
  mode?: string
  owner?: string
  group?: string
}

/**
 * A file a later step of the play puts in place under its confirmed apply,
 * instead of the task that planned it writing it now: persistBridge's files
 * wait for applyBridge, so a change refused or rolled back leaves on disk
 * exactly what the host booted from (Plan.stage, Task.takesStaged).
 */
export interface StagedFile {
  path: string
  /** The new content; undefined: the file is removed. */
  content?: string
  mode?: string
  /** The file as it is now, for the rollback and for the boot before the confirmation. */
  original: FileOriginal
}

/** What a step may use besides the connection. */
export interface StepContext {
  /** Inventory name of the host, for messages. */
  readonly host: string
}

/** Options for a new connection to the host. */
export interface ConnectOptions {
  connectTimeoutMs?: number
}

/**
 * What a step that changes how the host is reached (the cutover) gets in
 * place of a connection: ways to reach the host again, and the files this
 * run changed before it, for its rollback. No other step gets these.
 */
export interface HostReach {
  readonly host: string
  /** The host's connection (opened if need be). */
  connection(): Promise<Connection>
  /** Drops the host's connection and opens a new one (after a change to how the host is reached). */
  reconnect(opts?: ConnectOptions): Promise<Connection>
  /** Opens a new connection and leaves the host's own as it is (proof that the host can be reached anew). */
  connectAgain(opts?: ConnectOptions): Promise<Connection>
  /** Makes a connection from connectAgain the host's own, closing the one before. */
  adopt(conn: Connection): void
  /** Every file this run changed so far, as it was before the run first changed it. */
  changedFiles(): FileOriginal[]
}

interface StepBase {
  /** One line for the report: "write /etc/sysctl.conf (mode 0644)". */
  summary: string
  diff?: FileDiff
  /**
   * What on the host this step can change: the facts that read any of it
   * are dropped after it runs. Left out, every fact of the host is
   * dropped: always correct, never the fastest.
   */
  touches?: readonly Resource[]
  /** The file this step changes, as it was (recorded before it runs, for a later cutover's rollback). */
  original?: FileOriginal
  /** The files it changes, where it changes several (a cutover that puts staged files in place). */
  originals?: FileOriginal[]
}

/** A step that runs over the host's connection: the usual kind. */
export interface ConnectionStep extends StepBase {
  /**
   * Set when the step is nothing but this remote command (and run() just runs
   * it): the runner may then send it with its neighbours in one exec.
   */
  shell?: { command: string; stdin?: string }
  /**
   * Does the step without a shell where the host allows it (libvirt's API
   * over a forwarded socket); resolves false where it does not, and the
   * step then runs as usual (shell or run()).
   */
  native?(conn: Connection, ctx: StepContext): Promise<boolean>
  run(conn: Connection, ctx: StepContext): Promise<void>
}

/** A step that changes how the host is reached: it gets the host's reach, not one connection. */
export interface ReachStep extends StepBase {
  /** May resolve with a note for the task's result (say, a probe skipped). */
  reach(reach: HostReach): Promise<string | void>
}

export type Step = ConnectionStep | ReachStep

export const isReachStep = (s: Step): s is ReachStep => typeof (s as ReachStep).reach === 'function'

export interface Plan {
  steps: Step[]
  /** Why nothing needs doing (shown for ok), or a note on what the steps do. */
  reason?: string
  /**
   * The files the steps write, offered to a later task of the play that
   * takes `key` (Task.takesStaged): when there is one, the runner stages them
   * for it instead of running the steps. Alone in a play, the steps run.
   */
  stage?: { key: string; files: StagedFile[] }
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
  /**
   * Run this task's steps as another user (Ansible's task-level become), over
   * the play's: e.g. `become: false` for one task of a play that becomes root.
   * As in Ansible, a host's ansible_become* vars still win. Its facts are read
   * as the play's other facts are, before the first task.
   */
  become?: boolean
  becomeMethod?: 'sudo' | 'su' | 'doas'
  becomeUser?: string
  /**
   * Ansible's task tags, for `--tags` / `--skip-tags` (task-selection.ts): `'always'` runs
   * unless skipped by name, `'never'` only when one of its tags is asked for.
   */
  tags?: string | string[]
}

/** A task's own become keywords, where it has any. */
export interface TaskBecome {
  become?: boolean
  becomeMethod?: 'sudo' | 'su' | 'doas'
  becomeUser?: string
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
  readonly become?: TaskBecome
  /** Its tags (TaskOptions.tags); none: Ansible's `untagged`. */
  readonly tags?: readonly string[]
  /** The staging key whose files this task puts in place (applyBridge: `bridge br0`); see Plan.stage. */
  readonly takesStaged?: string
}

/** The facts a task reads, by name (or as a list): declared once, prefetched by the runner, handed to plan typed. */
export type FactRequests = Readonly<Record<string, FactRequest<any, any>>> | readonly FactRequest<any, any>[]

export interface TaskSpec<R extends FactRequests = Record<string, never>> {
  name: string
  /**
   * The facts `plan` needs, e.g. `{ conf: factRequest(fileFact, '/etc/x.conf') }`:
   * the runner reads every task's in one round trip before the first task
   * runs, and `plan` receives their values, typed (`facts.conf` is a FileState).
   */
  facts?: (host: Host) => R
  /** Local checks before any step runs on the host (e.g. render templates): errors here leave the host untouched. */
  prepare?: Task['prepare']
  /** The steps that would converge the host; facts it learns only here can still be read with host.fact(). */
  plan(host: Host, facts: FactValues<R>): Promise<Plan> | Plan
  /** The staging key whose files this task puts in place (Task.takesStaged). */
  takesStaged?: string
}

/**
 * Builds a task from its spec and the user's common options.
 *
 * @example
 * ```ts
 * defineTask({
 *   name: 'motd',
 *   facts: () => ({ motd: factRequest(fileFact, '/etc/motd') }),
 *   plan: (host, { motd }) => (motd.content === 'hi\n' ? converged('motd says hi') : { steps: planFile({ path: '/etc/motd', content: 'hi\n' }, motd) }),
 * })
 * ```
 */
export function defineTask<const R extends FactRequests = Record<string, never>>(spec: TaskSpec<R>, opts: TaskOptions = {}): Task {
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])
  const requests = (host: Host): FactRequest[] => (spec.facts ? Object.values(spec.facts(host)) : [])
  return {
    name: opts.name ?? spec.name,
    facts: spec.facts && requests,
    prepare: spec.prepare,
    plan: async (host) => {
      if (!spec.facts) return spec.plan(host, {} as FactValues<R>)
      const declared = spec.facts(host)
      const values = await host.gather(Object.values(declared))
      const keys = Object.keys(declared)
      const facts = Array.isArray(declared) ? values : Object.fromEntries(keys.map((k, i) => [k, values[i]]))
      return spec.plan(host, facts as FactValues<R>)
    },
    notify: list(opts.notify),
    onChange: list(opts.onChange),
    when: opts.when,
    become: taskBecome(opts),
    ...(opts.tags === undefined ? {} : { tags: list(opts.tags) }),
    ...(spec.takesStaged ? { takesStaged: spec.takesStaged } : {}),
  }
}

function taskBecome(opts: TaskOptions): TaskBecome | undefined {
  const { become, becomeMethod, becomeUser } = opts
  return become === undefined && becomeMethod === undefined && becomeUser === undefined ? undefined : { become, becomeMethod, becomeUser }
}

/** Converged: no steps, and why. */
export const converged = (reason: string): Plan => ({ steps: [], reason })
