/**
 * Per-host fact cache: one round trip for every fact not yet known, and
 * after a change, exactly the facts whose reads overlap what it touched
 * dropped (or, for a fact that can, only the touched part read again).
 */
import { execMany } from '../connection/exec-many.ts'
import { FACTS_TIMEOUT_MS } from '../core/deadlines.ts'
import type { Connection } from '../connection/types.ts'
import { overlapping, resource } from '../core/resource.ts'
import type { Resource } from '../core/resource.ts'
import { factKey } from './fact.ts'
import type { Fact, FactRequest, FactValues } from './fact.ts'

interface Entry {
  req: FactRequest
  value: Promise<unknown>
  /** What a change touched of this value since it was read, for a fact that can refresh just that. */
  touched?: Resource[]
}

export class FactCache {
  private entries = new Map<string, Entry>()
  /** Round trips spent on facts, for -v and the benchmark. */
  roundTrips = 0

  constructor(private readonly conn: () => Promise<Connection>) {}

  async get<T, A>(fact: Fact<T, A>, args: A): Promise<T> {
    const [value] = await this.gather([{ fact, args }] as const)
    return value as T
  }

  /** Reads all requested facts that are not cached, in a single batch. */
  async gather<const R extends readonly FactRequest<any, any>[]>(requests: R): Promise<FactValues<R>> {
    const missing = new Map<string, FactRequest>()
    for (const req of requests) {
      const key = factKey(req)
      this.refreshTouched(key)
      if (!this.entries.has(key)) missing.set(key, req)
    }
    // Facts with a direct reader use it, alongside one batch of commands for the rest.
    const commands: [string, FactRequest][] = []
    for (const [key, req] of missing) {
      if (req.fact.read) this.remember(key, req, this.viaDirectOrCommands(req))
      else commands.push([key, req])
    }
    if (commands.length > 0) {
      const batch = this.viaCommands(commands.map(([, req]) => req))
      commands.forEach(([key, req], i) => this.remember(key, req, batch.then((values) => values[i])))
    }
    return Promise.all(requests.map((r) => this.entries.get(factKey(r))!.value)) as Promise<FactValues<R>>
  }

  /** A value a change touched in part becomes its refresh: that part read again, else (no way to) the whole fact. */
  private refreshTouched(key: string): void {
    const entry = this.entries.get(key)
    if (!entry?.touched) return
    const { req, value: old, touched } = entry
    const refresh = req.fact.refresh
    if (!refresh) return void this.entries.delete(key)
    const value = Promise.all([this.conn(), old]).then(([conn, current]) => refresh.call(req.fact, conn, current, touched, req.args))
    this.remember(key, req, value.then((v) => v ?? this.viaDirectOrCommands(req)))
  }

  private viaDirectOrCommands(req: FactRequest): Promise<unknown> {
    return req.fact.read
      ? this.conn().then(async (conn) => (await req.fact.read!(conn, req.args)) ?? this.viaCommands([req]).then(([v]) => v))
      : this.viaCommands([req]).then(([v]) => v)
  }

  private remember(key: string, req: FactRequest, value: Promise<unknown>): void {
    const entry: Entry = { req, value }
    // A failed read is retried next time.
    value.catch(() => this.entries.get(key) === entry && this.entries.delete(key))
    this.entries.set(key, entry)
  }

  /** One round trip: the facts' commands in one exec, each output parsed (a parse error rejects). */
  private async viaCommands(requests: FactRequest[]): Promise<Promise<unknown>[]> {
    const conn = await this.conn()
    this.roundTrips++
    const results = await execMany(
      conn,
      requests.map((r) => ({ command: r.fact.command(r.args), label: `read ${r.fact.describe(r.args)}` })),
      { timeoutMs: FACTS_TIMEOUT_MS },
    )
    return requests.map((r, i) => Promise.resolve().then(() => r.fact.parse(results[i], r.args, conn.host)))
  }

  /**
   * After a change the host is no longer what the cache says: drop the
   * facts that read what the change touched (everything, when it does not
   * say). A fact that can refresh part of its value keeps it, marked with
   * what was touched, and reads just that on its next use.
   */
  invalidate(touched: readonly Resource[] = [resource.anything]): void {
    for (const [key, entry] of this.entries) {
      const hit = overlapping(entry.req.fact.reads(entry.req.args), touched)
      if (hit.length === 0) continue
      if (entry.req.fact.refresh) entry.touched = [...(entry.touched ?? []), ...hit]
      else this.entries.delete(key)
    }
  }
}
