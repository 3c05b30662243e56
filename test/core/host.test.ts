/** The host's runtime: one connection opened on first need, reached anew only by the cutover's means, the files the run changed. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHostRuntime } from '../../src/core/host.ts'
import type { Connection } from '../../src/connection/types.ts'

/** Connections that say which attempt they were and whether they were closed; attempts listed in `failing` fail. */
function connections(failing: number[] = []) {
  const made: { n: number; closed: boolean; timeout?: number }[] = []
  const connect = async (opts?: { connectTimeoutMs?: number }): Promise<Connection> => {
    const rec = { n: made.length + 1, closed: false, timeout: opts?.connectTimeoutMs }
    made.push(rec)
    if (failing.includes(rec.n)) throw new Error(`attempt ${rec.n} failed`)
    return { host: 'h1', exec: async () => ({ code: 0, stdout: String(rec.n), stderr: '' }), close: async () => void (rec.closed = true) }
  }
  return { made, connect }
}

const runtime = (connect: (o?: { connectTimeoutMs?: number }) => Promise<Connection>) =>
  createHostRuntime({ name: 'h1', vars: { a: 1 }, groups: ['all', 'kvm'], playbookDir: '/pb', connect })

test('the connection is opened on first need, once, and closed with the host', async () => {
  const c = connections()
  const host = runtime(c.connect)
  assert.is(c.made.length, 0, 'nothing opened before it is needed')
  const [a, b] = await Promise.all([host.connection(), host.connection()])
  assert.is(a, b)
  assert.is(c.made.length, 1)
  await host.close()
  assert.ok(c.made[0].closed)
  assert.equal(host.vars, { a: 1 })
  assert.ok(Object.isFrozen(host.vars) && Object.isFrozen(host.groups))
})

test('reconnect closes the old connection and makes the new one the host\'s; a failed attempt does not stick', async () => {
  const c = connections([2])
  const host = runtime(c.connect)
  await host.connection()
  await host.reach.reconnect({ connectTimeoutMs: 1000 }).then(() => assert.unreachable(), () => {})
  assert.ok(c.made[0].closed)
  assert.is(c.made[1].timeout, 1000)
  const fresh = await host.reach.reconnect()
  assert.is(await host.connection(), fresh)
  assert.is((await fresh.exec('')).stdout, '3')
})

test('connectAgain leaves the host\'s connection alone until adopted; adopting closes the one before', async () => {
  const c = connections()
  const host = runtime(c.connect)
  const first = await host.connection()
  const proof = await host.reach.connectAgain()
  assert.is(await host.connection(), first)
  assert.not.ok(c.made[0].closed)
  host.reach.adopt(proof)
  assert.is(await host.connection(), proof)
  await Promise.resolve()
  assert.ok(c.made[0].closed)
  assert.not.ok(c.made[1].closed)
})

test('the files changed: the first original of each path counts (later steps saw the run\'s own writes)', () => {
  const host = runtime(connections().connect)
  host.recordOriginal({ path: '/etc/a', content: 'first\n' })
  host.recordOriginal({ path: '/etc/b' })
  host.recordOriginal({ path: '/etc/a', content: 'written by this run\n' })
  assert.equal(host.reach.changedFiles(), [{ path: '/etc/a', content: 'first\n' }, { path: '/etc/b' }])
})

test.run()
