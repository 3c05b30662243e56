/**
 * What tasks and playbooks see of a host: its name, merged vars, groups,
 * and lazily read, cached facts. The connection is opened on first need.
 */
import type { Fact, FactRequest } from '../facts/fact.ts'
import { FactCache } from '../facts/cache.ts'
import type { Connection } from '../connection/types.ts'

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
  connection(): Promise<Connection>
}

export function createHost(init: {
  name: string
  vars: Record<string, unknown>
  groups: string[]
  playbookDir: string
  connect: () => Promise<Connection>
}): HostRuntime {
  let conn: Promise<Connection> | undefined
  const connection = () => (conn ??= init.connect())
  const cache = new FactCache(connection)
  return {
    name: init.name,
    vars: Object.freeze({ ...init.vars }),
    groups: Object.freeze([...init.groups]),
    playbookDir: init.playbookDir,
    fact: (fact, args) => cache.get(fact, args),
    gather: (requests) => cache.gather(requests),
    cache,
    connection,
  }
}
