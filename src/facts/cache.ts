/** Per-host fact cache: one round trip for every fact not yet known. */
import { runBatch } from '../connection/batch.ts'
import type { Connection } from '../connection/types.ts'
import type { Fact, FactRequest } from './fact.ts'

export class FactCache {
  private values = new Map<string, Promise<unknown>>()
  /** Parts of cached values that a change made stale (key → parts), for facts that can refresh them. */
  private staleParts = new Map<string, Set<string>>()
  /** Round trips spent on facts, for -v and the benchmark. */
  roundTrips = 0

  constructor(private readonly conn: () => Promise<Connection>) {}

  get<T, A>(fact: Fact<T, A>, args: A): Promise<T> {
    return this.gather([{ fact, args } as FactRequest]).then(([v]) => v as T)
  }

  /** Reads all requested facts that are not cached, in a single batch. */
  async gather(requests: FactRequest[]): Promise<unknown[]> {
    const missing: { req: FactRequest; key: string }[] = []
    for (const req of requests) {
      const key = req.fact.key(req.args)
      this.refreshStale(req, key)
      if (!this.values.has(key) && !missing.some((m) => m.key === key)) missing.push({ req, key })
    }
    // Facts with a direct reader use it, alongside one batch of commands for the rest.
    const direct = missing.filter((m) => m.req.fact.read)
    const commands = missing.filter((m) => !m.req.fact.read)
    for (const m of direct) this.remember(m.key, this.viaDirectOrCommands(m.req))
    if (commands.length > 0) {
      const batch = this.viaCommands(commands.map((m) => m.req))
      commands.forEach((m, i) => this.remember(m.key, batch.then((values) => values[i])))
    }
    return Promise.all(requests.map((r) => this.values.get(r.fact.key(r.args))))
  }

  /** A value with stale parts becomes its refresh: those parts read again, else (no way to) the whole fact. */
  private refreshStale(req: FactRequest, key: string): void {
    const parts = this.staleParts.get(key)
    if (!parts) return
    this.staleParts.delete(key)
    const old = this.values.get(key)
    const refresh = req.fact.refresh
    if (!old || !refresh) return void this.values.delete(key)
    const value = Promise.all([this.conn(), old]).then(([conn, current]) => refresh.call(req.fact, conn, current, [...parts], req.args))
    this.remember(key, value.then((v) => v ?? this.viaDirectOrCommands(req)))
  }

  private viaDirectOrCommands(req: FactRequest): Promise<unknown> {
    return req.fact.read
      ? this.conn().then(async (conn) => (await req.fact.read!(conn, req.args)) ?? this.viaCommands([req]).then(([v]) => v))
      : this.viaCommands([req]).then(([v]) => v)
  }

  private remember(key: string, value: Promise<unknown>): void {
    value.catch(() => this.values.delete(key)) // a failed read is retried next time
    this.values.set(key, value)
  }

  /** One round trip: the facts' commands in one exec, each output parsed (a parse error rejects). */
  private async viaCommands(requests: FactRequest[]): Promise<Promise<unknown>[]> {
    const conn = await this.conn()
    this.roundTrips++
    const results = await runBatch(conn, requests.map((r) => r.fact.command(r.args)))
    return requests.map((r, i) => Promise.resolve().then(() => r.fact.parse(results[i], r.args)))
  }

  /**
   * After a change the host is no longer what the cache says: drop the facts
   * whose keys start with one of these prefixes, or all of them. A prefix
   * that names a part of a cached fact (`libvirt:domain:vm1` of `libvirt`)
   * marks only that part stale, for the fact to refresh on its next use.
   */
  clear(prefixes?: readonly string[]): void {
    if (!prefixes) {
      this.staleParts.clear()
      return this.values.clear()
    }
    for (const key of [...this.values.keys()]) {
      if (prefixes.some((p) => key.startsWith(p))) {
        this.values.delete(key)
        this.staleParts.delete(key)
        continue
      }
      for (const p of prefixes) {
        if (!p.startsWith(`${key}:`)) continue
        const parts = this.staleParts.get(key) ?? new Set<string>()
        parts.add(p.slice(key.length + 1))
        this.staleParts.set(key, parts)
      }
    }
  }
}
