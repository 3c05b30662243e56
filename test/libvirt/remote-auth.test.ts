/**
 * The libvirt session asks which authentication libvirtd wants before it
 * opens, as virsh does: Debian's and RHEL's libvirtd want polkit by default,
 * answer a root client's question with "none" and refuse an open that did
 * not ask; another login's polkit check is made; SASL leaves the session
 * to virsh. libvirtd's side in process, each call recorded.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { libvirtSession } from '../../src/libvirt/remote.ts'
import { XdrWriter } from '../../src/libvirt/xdr.ts'
import { AUTH_LIST, fakeLibvirtd } from '../helpers/fake-libvirtd.ts'
import type { Connection } from '../../src/connection/types.ts'

const AUTH_POLKIT = 70
const CONNECT_OPEN = 1

/** A libvirtd whose AUTH_LIST answers `kinds`, which fails `refuse`d procedures, and records the procedures called. */
function libvirtd(kinds: number[], refuse: number[] = []) {
  const { stream, calls } = fakeLibvirtd((proc) =>
    refuse.includes(proc) ? { error: 'authentication failed' } : proc === AUTH_LIST ? kinds.reduce((w, k) => w.i32(k), new XdrWriter().u32(kinds.length)).toBuffer() : new XdrWriter().i32(1).toBuffer(),
  )
  const conn: Connection = { host: 'h1', exec: async () => ({ code: 1, stdout: '', stderr: '' }), openUnixSocket: async () => stream, close: async () => {} }
  return { conn, calls }
}

test('polkit, as Debian ships libvirtd: the list is asked, then the polkit check, then the open', async () => {
  const { conn, calls } = libvirtd([2])
  assert.ok(await libvirtSession(conn, 'ro'))
  assert.equal(calls, [AUTH_LIST, AUTH_POLKIT, CONNECT_OPEN])
})

test('none (root on Debian: polkit bypassed for a privileged client; or auth_unix_* = none): straight to the open', async () => {
  const { conn, calls } = libvirtd([0])
  assert.ok(await libvirtSession(conn, 'rw'))
  assert.equal(calls, [AUTH_LIST, CONNECT_OPEN])
})

test('polkit refusing the login, or SASL: no session (virsh decides), and no open is tried', async () => {
  const refused = libvirtd([2], [AUTH_POLKIT])
  assert.is(await libvirtSession(refused.conn, 'ro'), undefined)
  assert.equal(refused.calls, [AUTH_LIST, AUTH_POLKIT])
  const sasl = libvirtd([1])
  assert.is(await libvirtSession(sasl.conn, 'ro'), undefined)
  assert.equal(sasl.calls, [AUTH_LIST])
})

test.run()
