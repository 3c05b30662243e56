// Where the cutover probes and confirms, with canned connections: the lab
// tests (cutover.lab.test.ts) run the whole thing against real hosts, where
// the connection kvmplay has always survives the bridge.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { confirmedApply, difference } from '../../src/cutover/confirmed-apply.ts'
import type { Cutover } from '../../src/cutover/confirmed-apply.ts'
import type { Connection, ExecResult } from '../../src/connection/types.ts'
import type { HostReach } from '../../src/core/task.ts'

const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' })

/** A connection that answers the cutover's scripts; `dead` ones carry the arming, then nothing more. */
function cannedConn(name: string, dead = false) {
  const ran: string[] = []
  let closed = false
  const conn: Connection = {
    host: 'h1',
    exec: async (cmd) => {
      const kind = cmd.includes('@@ARMING') ? 'arm' : cmd.includes('too-late') ? 'confirm' : cmd === ':' ? 'ping' : 'probe'
      if (dead && kind !== 'arm') throw new Error(`${name}: timed out`)
      ran.push(kind)
      return kind === 'arm' ? ok('before\n@@PRE\n@@ARMING\narmed\n') : kind === 'confirm' ? ok('confirmed\n') : ok()
    },
    close: async () => void (closed = true),
  }
  return { conn, ran, closed: () => closed }
}

function setup(oldDead: boolean) {
  const old = cannedConn('old', oldDead)
  const fresh = cannedConn('new')
  const adopted: Connection[] = []
  const checkedOn: Connection[] = []
  const reach: HostReach = {
    host: 'h1',
    connection: async () => old.conn,
    changedFiles: () => [],
    reconnect: async () => {
      throw new Error('the rollback path is not expected here')
    },
    connectAgain: async () => fresh.conn,
    adopt: (c) => void adopted.push(c),
  }
  const cutover: Cutover = {
    apply: 'true',
    restore: 'true',
    timeoutSec: 30,
    probes: [],
    checks: [async (c) => void checkedOn.push(c)],
    verify: { command: 'echo before' },
  }
  return { old, fresh, adopted, checkedOn, run: () => confirmedApply(reach, cutover) }
}

test('the new login is the proof; probes and the confirmation go over the connection kvmplay has, and the new one is closed', async () => {
  const s = setup(false)
  assert.ok((await s.run()).seconds >= 0, 'confirmed')
  assert.equal(s.old.ran, ['arm', 'ping', 'probe', 'confirm'])
  assert.equal(s.fresh.ran, [])
  assert.ok(s.fresh.closed(), 'the proof connection is not left open')
  assert.equal(s.adopted, [])
  assert.equal(s.checkedOn, [s.old.conn, s.old.conn], 'checked before arming, then after the change')
})

test('when the connection kvmplay had no longer answers, the new one probes, confirms and becomes the host connection', async () => {
  const s = setup(true)
  assert.ok((await s.run()).seconds >= 0, 'confirmed')
  assert.equal(s.old.ran, ['arm'])
  assert.equal(s.fresh.ran, ['probe', 'confirm'])
  assert.not.ok(s.fresh.closed())
  assert.equal(s.adopted, [s.fresh.conn])
  assert.equal(s.checkedOn, [s.old.conn, s.fresh.conn])
})

test('a failed change is rolled back at once and its verdict comes in seconds, not after the confirm timeout', async () => {
  const ran: string[] = []
  const conn: Connection = {
    host: 'h1',
    exec: async (cmd) => {
      if (cmd.includes('@@ARMING')) return ok('before\n@@PRE\n@@ARMING\narmed\n')
      if (cmd === ':') return ok()
      if (cmd.includes('the change failed')) return ran.push('probe'), ok('F the change failed (exit 1): RTNETLINK answers: File exists\n')
      if (cmd.includes('fire.sh')) return ran.push('fire now'), ok()
      if (cmd.includes('restore.rc')) return ran.push('verify'), ok('0\n@@\nbefore\n')
      return ok()
    },
    close: async () => {},
  }
  const reach: HostReach = { host: 'h1', connection: async () => conn, changedFiles: () => [], reconnect: async () => conn, connectAgain: async () => conn, adopt: () => {} }
  const started = Date.now()
  const err = await confirmedApply(reach, { apply: 'false', restore: 'true', timeoutSec: 60, probes: [], verify: { command: 'echo before' } }).then(
    () => undefined,
    (e: Error) => e,
  )
  assert.match(String(err), /rolled back — the change failed \(exit 1\): RTNETLINK answers: File exists\. The host restored its previous state by itself \(restore exit 0\), verified/)
  assert.equal(ran, ['probe', 'fire now', 'verify'])
  assert.ok(Date.now() - started < 10_000, `the verdict took ${Date.now() - started} ms of a 60 s timeout`)
})

/** A connection whose arming reports `pre` (the precondition lines) and that records what it ran. */
function preconditionHost(pre: string, check?: string) {
  const ran: string[] = []
  const conn: Connection = {
    host: 'h2',
    exec: async (cmd) => {
      ran.push(cmd.includes('@@ARMING') ? 'arm' : 'other')
      return ok(`before\n@@PRE\n${pre}`)
    },
    close: async () => {},
  }
  const reach: HostReach = { host: 'h2', connection: async () => conn, changedFiles: () => [], reconnect: async () => conn, connectAgain: async () => conn, adopt: () => {} }
  const cutover: Cutover = { apply: 'true', restore: 'true', timeoutSec: 60, probes: [{ name: 'the gateway 198.19.2.1 answers', command: 'ping' }], checks: [async () => check], verify: { command: 'echo before' } }
  return { ran, run: () => confirmedApply(reach, cutover).then(() => 'confirmed', (e: Error) => e.message) }
}

test('a precondition false before the change fails the task with nothing armed or changed, and says so', async () => {
  const h = preconditionHost('F "the gateway 198.19.2.1 answers" does not hold (exit 1): no answer to ping nor to neighbour resolution (198.19.2.1 dev eth0 FAILED)\n')
  assert.is(await h.run(), '"the gateway 198.19.2.1 answers" does not hold (exit 1): no answer to ping nor to neighbour resolution (198.19.2.1 dev eth0 FAILED) on h2 before the change — nothing was changed')
  assert.equal(h.ran, ['arm'], 'the arm script stopped itself before arming (armScript); nothing else ran')
})

test('libvirtd not answering before the change: said so, and the rollback is not even armed', async () => {
  const h = preconditionHost('', 'libvirtd does not answer (virsh list: error: failed to connect to the hypervisor)')
  assert.is(await h.run(), 'libvirtd does not answer (virsh list: error: failed to connect to the hypervisor) on h2 before the change — nothing was changed')
  assert.equal(h.ran, [])
})

test('a rollback that did not restore everything says what differs: what was lost, what is new', () => {
  const before = 'eth0 198.19.2.2/24\ndefault via 198.19.2.1 dev eth0'
  assert.is(difference(before, before), '')
  assert.is(difference(before, 'br0 198.19.2.2/24\ndefault via 198.19.2.1 dev br0'), 'lost eth0 198.19.2.2/24, default via 198.19.2.1 dev eth0; new br0 198.19.2.2/24, default via 198.19.2.1 dev br0')
  assert.is(difference(before, 'eth0 198.19.2.2/24'), 'lost default via 198.19.2.1 dev eth0')
})

test.run()
