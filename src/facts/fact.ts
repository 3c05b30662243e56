/**
 * A fact is a read-only remote command plus a pure parser. Facts are read
 * lazily, cached per host for the run, batched into one round trip when a
 * task (or the runner's prefetch) asks for several, and dropped after any
 * change on the host (or, where the change names a part, that part re-read).
 */
import type { Connection, ExecResult } from '../connection/types.ts'

export interface Fact<T, A = void> {
  /** For messages: "file /etc/sysctl.conf". */
  describe(args: A): string
  /** Cache key: equal keys mean the same command and parser. */
  key(args: A): string
  command(args: A): string
  /** Pure: canned output in, value out. Throws a 'fact' KvmplayError when the output makes no sense. */
  parse(result: ExecResult, args: A): T
  /**
   * A way to read the fact without running a command on the host (e.g. a
   * protocol over a forwarded socket). Resolves undefined where that is not
   * possible: the command is run instead.
   */
  read?(conn: Connection, args: A): Promise<T | undefined>
  /**
   * Brings a cached value up to date when only parts of it went stale (a
   * change invalidated `KEY:PART`, e.g. `libvirt:network:br0`), reading only
   * those parts. Resolves undefined where it cannot: the whole fact is read.
   */
  refresh?(conn: Connection, current: T, parts: string[], args: A): Promise<T | undefined>
}

export interface FactRequest<T = unknown, A = unknown> {
  fact: Fact<T, A>
  args: A
}

/** Pairs a fact with its arguments, keeping the types. */
export const factRequest = <T, A>(fact: Fact<T, A>, args: A): FactRequest<T, A> => ({ fact, args })
