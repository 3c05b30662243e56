/**
 * What tasks and playbooks see of a host: its name, merged vars, groups,
 * and lazily read, cached facts — and, for the runner alone, the host's
 * runtime: its connection (opened on first need), the fact cache, the
 * files the run changed, and the ways to reach the host again that a
 * cutover step is given.
 */
import type { Fact, FactRequest, FactValues } from '../facts/fact.ts'
import { FactCache } from '../facts/cache.ts'
import type { Connection } from '../connection/types.ts'
import type { ConnectOptions, FileOriginal, HostReach, StagedFile } from './task.ts'
import type { ReportSection } from './section.ts'

export interface Host {
  readonly name: string
  /** Inventory vars < playbook vars < extra vars (-e). */
  readonly vars: Readonly<Record<string, unknown>>
  readonly groups: readonly string[]
  /** Folder of the playbook: its templates/ overrides the built-in ones. */
  readonly playbookDir: string
  /** Reads a fact (cached until a change touches what it reads). */
  fact<T, A>(fact: Fact<T, A>, args: A): Promise<T>
  /** Reads several facts in one round trip, each value typed as its fact. */
  gather<const R extends readonly FactRequest<any, any>[]>(requests: R): Promise<FactValues<R>>
  /** Adds this host's part to a section of the run's report (section.ts): printed after the recap, in --json, in --report's file. Optional, so a Host made by hand (a test's) needs none. */
  contribute?<C>(section: ReportSection<C>, value: C): void
  /** Takes the files an earlier task staged under `key` for this one to put in place (Plan.stage); none, where nothing was. */
  takeStaged?(key: string): StagedFile[]
  /** The LAN address reserved for a guest NIC (by MAC, lower case) by this run's reservations or the kept report's; undefined where none is. */
  reservedAddress?(mac: string): string | undefined
}

export interface HostRuntime extends Host {
  contribute<C>(section: ReportSection<C>, value: C): void
  readonly cache: FactCache
  /** What a cutover step gets: the connection, ways to reach the host anew, the files changed so far. */
  readonly reach: HostReach
  connection(): Promise<Connection>
  /** Notes a file as it was before a step changes it (the first time in this run counts). */
  recordOriginal(original: FileOriginal): void
  /** Keeps files for the later task that takes `key` (Plan.stage). */
  stage(key: string, files: StagedFile[]): void
  takeStaged(key: string): StagedFile[]
  /** Closes the connection if one was opened. */
  close(): Promise<void>
}

export function createHostRuntime(init: {
  name: string
  vars: Record<string, unknown>
  groups: string[]
  playbookDir: string
  connect: (opts?: ConnectOptions) => Promise<Connection>
  /** Where contributions to the run's report sections go (the runner's); left out, they are dropped. */
  contribute?: <C>(section: ReportSection<C>, value: C) => void
  /** Guest NICs' LAN reservations, MAC (lower case) → address (RunOptions.reserved). */
  reserved?: ReadonlyMap<string, string>
}): HostRuntime {
  let conn: Promise<Connection> | undefined
  const connection = () => (conn ??= init.connect())
  const cache = new FactCache(connection)
  const originals = new Map<string, FileOriginal>()
  const staged = new Map<string, StagedFile[]>()
  const reach: HostReach = {
    host: init.name,
    connection,
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
    changedFiles: () => [...originals.values()],
  }
  return {
    name: init.name,
    vars: Object.freeze({ ...init.vars }),
    groups: Object.freeze([...init.groups]),
    playbookDir: init.playbookDir,
    fact: (fact, args) => cache.get(fact, args),
    gather: (requests) => cache.gather(requests),
    contribute: (section, value) => init.contribute?.(section, value),
    reservedAddress: (mac) => init.reserved?.get(mac.toLowerCase()),
    cache,
    reach,
    connection,
    recordOriginal: (o) => void (originals.has(o.path) || originals.set(o.path, o)),
    stage: (key, files) => void staged.set(key, [...(staged.get(key) ?? []), ...files]),
    takeStaged: (key) => {
      const files = staged.get(key) ?? []
      staged.delete(key)
      return files
    },
    close: async () => {
      const c = conn
      conn = undefined
      await c?.then((x) => x.close(), () => {})
    },
  }
}
