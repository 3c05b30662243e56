// The fact cache with a fact that has a direct reader (libvirt over RPC):
// used when it answers, the command when it cannot, and one batch for the rest.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Connection, ExecOptions } from '../../src/connection/types.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { LocalTarget } from '../../src/connection/target.ts'
import { FactCache } from '../../src/facts/cache.ts'
import type { Fact } from '../../src/facts/fact.ts'
import { describeResource, resource } from '../../src/core/resource.ts'
import type { Resource } from '../../src/core/resource.ts'

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
  name,
  describe: () => name,
  reads: () => [resource.libvirtNetwork()],
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
  cache.invalidate([resource.libvirtNetwork('br0')])
  await cache.get(directFact('libvirt', undefined), undefined)
  assert.is(conn.execs.length, 2)
})

/** A direct fact that counts its whole reads and can refresh named parts of its value. */
function partsFact(refreshes: boolean | 'cannot') {
  const log: string[] = []
  let reads = 0
  const fact: Fact<string[], void> = {
    name: 'parts',
    describe: () => 'parts',
    reads: () => [resource.libvirtNetwork(), resource.libvirtDomain()],
    command: () => 'echo whole-by-command',
    parse: () => ['by command'],
    read: async () => {
      log.push(`read ${++reads}`)
      return [`whole ${reads}`]
    },
    ...(refreshes
      ? {
          refresh: async (_conn: Connection, current: string[], touched: Resource[]) => {
            const parts = touched.map(describeResource)
            log.push(`refresh ${parts.join(',')}`)
            return refreshes === 'cannot' || touched.some((r) => !('name' in r) || r.name === undefined) ? undefined : [...current, ...parts]
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
  cache.invalidate([resource.libvirtDomain('vm1'), resource.libvirtNetwork('br0'), resource.links])
  cache.invalidate([resource.libvirtDomain('vm2')])
  assert.equal(await cache.get(fact, undefined), ['whole 1', 'libvirt-domain vm1', 'libvirt-network br0', 'libvirt-domain vm2'])
  assert.equal(await cache.get(fact, undefined), ['whole 1', 'libvirt-domain vm1', 'libvirt-network br0', 'libvirt-domain vm2'], 'refreshed once, then cached')
  assert.equal(log, ['read 1', 'refresh libvirt-domain vm1,libvirt-network br0,libvirt-domain vm2'], 'links, which it does not read, are not passed on')
  // A change to every network cannot be read in part: a whole read.
  cache.invalidate([resource.libvirtNetwork()])
  assert.equal(await cache.get(fact, undefined), ['whole 2'])
  // Nor can one that touched anything.
  cache.invalidate()
  assert.equal(await cache.get(fact, undefined), ['whole 3'])
})

test('a part gone stale in a fact that cannot refresh it means a whole read', async () => {
  for (const refreshes of [false, 'cannot'] as const) {
    const { fact, log } = partsFact(refreshes)
    const cache = new FactCache(async () => counting())
    await cache.get(fact, undefined)
    cache.invalidate([resource.libvirtNetwork('default')])
    assert.equal(await cache.get(fact, undefined), ['whole 2'])
    assert.equal(log, refreshes ? ['read 1', 'refresh libvirt-network default', 'read 2'] : ['read 1', 'read 2'])
  }
})

test.run()
