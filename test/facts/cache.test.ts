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

test.run()
