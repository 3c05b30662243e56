/** Per-host fact cache: one round trip for every fact not yet known. */
import { runBatch } from '../connection/batch.ts'
import type { Connection } from '../connection/types.ts'
import type { Fact, FactRequest } from './fact.ts'

export class FactCache {
  private values = new Map<string, Promise<unknown>>()
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
      if (!this.values.has(key) && !missing.some((m) => m.key === key)) missing.push({ req, key })
    }
    if (missing.length > 0) {
      const batch = (async () => {
        const conn = await this.conn()
        this.roundTrips++
        return runBatch(conn, missing.map((m) => m.req.fact.command(m.req.args)))
      })()
      missing.forEach((m, i) => {
        const value = batch.then((results) => m.req.fact.parse(results[i], m.req.args))
        value.catch(() => this.values.delete(m.key)) // a failed read is retried next time
        this.values.set(m.key, value)
      })
    }
    return Promise.all(requests.map((r) => this.values.get(r.fact.key(r.args))))
  }

  /**
   * After a change the host is no longer what the cache says: drop the facts
   * whose keys start with one of these prefixes, or all of them.
   */
  clear(prefixes?: readonly string[]): void {
    if (!prefixes) return this.values.clear()
    for (const key of [...this.values.keys()]) if (prefixes.some((p) => key.startsWith(p))) this.values.delete(key)
  }
}
