/**
 * A fact is a read-only remote command plus a pure parser, and the
 * resources it reads. Facts are read lazily, cached per host for the run,
 * batched into one round trip when a task (or the runner's prefetch) asks
 * for several, and dropped after a change that touches what they read (or,
 * where the fact can, only the touched part read again).
 */
import type { Connection, ExecResult } from '../connection/types.ts'
import type { Resource } from '../core/resource.ts'

export interface Fact<T, A = void> {
  /** Unique among facts ("file", "sysctl"): with the arguments, the cache's identity. */
  name: string
  /** For messages: "file /etc/sysctl.conf". */
  describe(args: A): string
  /** What on the host the value depends on: a change that touches any of it drops the value. */
  reads(args: A): Resource[]
  command(args: A): string
  /**
   * Pure: canned output in, value out. Throws a 'fact' KvmplayError when the
   * output makes no sense, or holds a value no task may use (naming `host`,
   * the host's inventory name, given by the cache for such messages).
   */
  parse(result: ExecResult, args: A, host?: string): T
  /**
   * A way to read the fact without running a command on the host (e.g. a
   * protocol over a forwarded socket). Resolves undefined where that is not
   * possible: the command is run instead.
   */
  read?(conn: Connection, args: A): Promise<T | undefined>
  /**
   * Brings a cached value up to date when a change touched only part of
   * what it reads (`touched`: those resources, e.g. libvirt network br0),
   * reading only that part. Resolves undefined where it cannot: the whole
   * fact is read again.
   */
  refresh?(conn: Connection, current: T, touched: Resource[], args: A): Promise<T | undefined>
  /**
   * Whether this login may read (and change) what the fact reads at all —
   * e.g. libvirt's system socket for a login that is not root. Checked once
   * per host before any task runs (the runner dedupes by function): the
   * error says what to change; undefined when the login may.
   */
  access?(conn: Connection): Promise<Error | undefined>
}

export interface FactRequest<T = unknown, A = unknown> {
  fact: Fact<T, A>
  args: A
}

/** Pairs a fact with its arguments, keeping the types. */
export const factRequest = <T, A>(fact: Fact<T, A>, args: A): FactRequest<T, A> => ({ fact, args })

/** The cache's identity of a request: the same fact with equal arguments is one read. */
export const factKey = (req: FactRequest): string => `${req.fact.name}\0${JSON.stringify(req.args) ?? ''}`

/** The value of each request, keeping each one's type (a record of requests, or a tuple). */
export type FactValues<R> = { -readonly [K in keyof R]: R[K] extends FactRequest<infer T, any> ? T : never }
