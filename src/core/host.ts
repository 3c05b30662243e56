/**
 * What tasks and playbooks see of a host: its name, merged vars, groups,
 * and lazily read, cached facts. The connection is opened on first need.
 */
import type { Fact, FactRequest } from '../facts/fact.ts'
import { FactCache } from '../facts/cache.ts'
import type { Connection } from '../connection/types.ts'
import type { FileJournal, FileOriginal } from './task.ts'

export interface Host {
  readonly name: string
  /** Inventory vars < playbook vars < extra vars (-e). */
  readonly vars: Readonly<Record<string, unknown>>
  readonly groups: readonly string[]
  /** Folder of the playbook: its templates/ overrides the built-in ones. */
  readonly playbookDir: string
  /** Reads a fact (cached until the host changes). */
  fact<T, A>(fact: Fact<T, A>, args: A): Promise<T>
  /** Reads several facts in one round trip. */
  gather(requests: FactRequest[]): Promise<unknown[]>
}

export interface HostRuntime extends Host {
  readonly cache: FactCache
  readonly journal: FileJournal
  connection(): Promise<Connection>
  /** Closes the connection if one was opened. */
  close(): Promise<void>
  /** Closes the connection (without waiting on a link that may be dead) and opens a new one. */
  reconnect(opts?: { connectTimeoutMs?: number }): Promise<Connection>
  /** Opens a new connection beside the host's own, which stays as it is. */
  connectAgain(opts?: { connectTimeoutMs?: number }): Promise<Connection>
  /** Makes a connection from connectAgain the host's own, closing the one before. */
  adopt(conn: Connection): void
}

export function createHost(init: {
  name: string
  vars: Record<string, unknown>
  groups: string[]
  playbookDir: string
  connect: (opts?: { connectTimeoutMs?: number }) => Promise<Connection>
}): HostRuntime {
  let conn: Promise<Connection> | undefined
  const connection = () => (conn ??= init.connect())
  const cache = new FactCache(connection)
  const originals = new Map<string, FileOriginal>()
  const journal: FileJournal = {
    record: (o) => void (originals.has(o.path) || originals.set(o.path, o)),
    originals: () => [...originals.values()],
  }
  return {
    name: init.name,
    vars: Object.freeze({ ...init.vars }),
    groups: Object.freeze([...init.groups]),
    playbookDir: init.playbookDir,
    fact: (fact, args) => cache.get(fact, args),
    gather: (requests) => cache.gather(requests),
    cache,
    journal,
    connection,
    close: async () => {
      const c = conn
      conn = undefined
      await c?.then((x) => x.close(), () => {})
    },
    reconnect: async (opts) => {
      const old = conn
      conn = undefined
      old?.then((c) => c.close(), () => {})
      const fresh = init.connect(opts)
      conn = fresh
      // A failed attempt must not stick: the next reconnect tries again.
      fresh.catch(() => conn === fresh && (conn = undefined))
      return fresh
    },
    connectAgain: (opts) => init.connect(opts),
    adopt: (fresh) => {
      const old = conn
      conn = Promise.resolve(fresh)
      old?.then((c) => (c === fresh ? undefined : c.close()), () => {})
    },
  }
}
