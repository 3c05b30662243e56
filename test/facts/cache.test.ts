// The fact cache with a fact that has a direct reader (libvirt over RPC):
// used when it answers, the command when it cannot, and one batch for the rest.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Connection, ExecOptions } from '../../src/connection/types.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { LocalTarget } from '../../src/connection/target.ts'
import { FactCache } from '../../src/facts/cache.ts'
import type { Fact } from '../../src/facts/fact.ts'

/** Runs commands through the local /bin/sh, counting the execs. */
function counting(): Connection & { execs: string[] } {
  const local = connectLocal({ kind: 'local', host: 'h', commandTimeoutMs: 10_000 } satisfies LocalTarget)
  const c = {
    host: 'h',
    execs: [] as string[],
    exec: (cmd: string, opts?: ExecOptions) => {
      c.execs.push(cmd)
      return local.exec(cmd, opts)
    },
    close: async () => {},
  }
  return c
}

const commandFact = (name: string): Fact<string, void> => ({
  describe: () => name,
  key: () => name,
  command: () => `echo ${name}`,
  parse: (res) => `${res.stdout.trim()} by command`,
})

const directFact = (name: string, answer: string | undefined): Fact<string, void> => ({
  ...commandFact(name),
  read: async () => answer,
})

test('a direct reader that answers needs no exec; the command facts share one batch', async () => {
  const conn = counting()
  const cache = new FactCache(async () => conn)
  const values = await cache.gather([
    { fact: directFact('libvirt', 'libvirt directly'), args: undefined },
    { fact: commandFact('a'), args: undefined },
    { fact: commandFact('b'), args: undefined },
  ])
  assert.equal(values, ['libvirt directly', 'a by command', 'b by command'])
  assert.is(conn.execs.length, 1)
  assert.not.match(conn.execs[0], 'echo libvirt')
})

test('a direct reader that cannot (undefined) falls back to its command', async () => {
  const conn = counting()
  const cache = new FactCache(async () => conn)
  assert.is(await cache.get(directFact('libvirt', undefined), undefined), 'libvirt by command')
  assert.is(conn.execs.length, 1)
  // Cached until cleared.
  assert.is(await cache.get(directFact('libvirt', undefined), undefined), 'libvirt by command')
  assert.is(conn.execs.length, 1)
  cache.clear(['libvirt'])
  await cache.get(directFact('libvirt', undefined), undefined)
  assert.is(conn.execs.length, 2)
})

/** A direct fact that counts its whole reads and can refresh named parts of its value. */
function partsFact(refreshes: boolean | 'cannot') {
  const log: string[] = []
  let reads = 0
  const fact: Fact<string[], void> = {
    describe: () => 'parts',
    key: () => 'libvirt',
    command: () => 'echo whole-by-command',
    parse: () => ['by command'],
    read: async () => {
      log.push(`read ${++reads}`)
      return [`whole ${reads}`]
    },
    ...(refreshes
      ? {
          refresh: async (_conn: Connection, current: string[], parts: string[]) => {
            log.push(`refresh ${parts.join(',')}`)
            return refreshes === 'cannot' ? undefined : [...current, ...parts]
          },
        }
      : {}),
  }
  return { fact, log }
}

test('a change to one part of a fact refreshes only that part, where the fact can', async () => {
  const { fact, log } = partsFact(true)
  const cache = new FactCache(async () => counting())
  assert.equal(await cache.get(fact, undefined), ['whole 1'])
  cache.clear(['libvirt:domain:vm1', 'libvirt:network:br0', 'network'])
  cache.clear(['libvirt:domain:vm1'])
  assert.equal(await cache.get(fact, undefined), ['whole 1', 'domain:vm1', 'network:br0'])
  assert.equal(await cache.get(fact, undefined), ['whole 1', 'domain:vm1', 'network:br0'], 'refreshed once, then cached')
  assert.equal(log, ['read 1', 'refresh domain:vm1,network:br0'])
  // A change that names the whole fact still drops it.
  cache.clear(['libvirt'])
  assert.equal(await cache.get(fact, undefined), ['whole 2'])
})

test('a part gone stale in a fact that cannot refresh it means a whole read', async () => {
  for (const refreshes of [false, 'cannot'] as const) {
    const { fact, log } = partsFact(refreshes)
    const cache = new FactCache(async () => counting())
    await cache.get(fact, undefined)
    cache.clear(['libvirt:network:default'])
    assert.equal(await cache.get(fact, undefined), ['whole 2'])
    assert.equal(log, refreshes ? ['read 1', 'refresh network:default', 'read 2'] : ['read 1', 'read 2'])
  }
})

test.run()
