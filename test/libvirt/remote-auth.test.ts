/**
 * The libvirt session asks which authentication libvirtd wants before it
 * opens, as virsh does: Debian's and RHEL's libvirtd want polkit by default,
 * answer a root client's question with "none" and refuse an open that did
 * not ask; another login's polkit check is made; SASL leaves the session
 * to virsh. libvirtd's side in process, each call recorded.
 */
import { Duplex } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { libvirtSession } from '../../src/libvirt/remote.ts'
import { XdrReader, XdrWriter } from '../../src/libvirt/xdr.ts'
import type { Connection } from '../../src/connection/types.ts'

const AUTH_LIST = 66
const AUTH_POLKIT = 70
const CONNECT_OPEN = 1

/** A libvirtd whose AUTH_LIST answers `kinds`, which fails `refuse`d procedures, and records the procedures called. */
function libvirtd(kinds: number[], refuse: number[] = []) {
  const calls: number[] = []
  let buf = Buffer.alloc(0)
  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0)
        const r = new XdrReader(buf.subarray(4, len))
        buf = buf.subarray(len)
        const [program, version, proc, , serial] = [r.u32(), r.u32(), r.i32(), r.i32(), r.u32()]
        calls.push(proc)
        const failed = refuse.includes(proc)
        const body = failed
          ? new XdrWriter().i32(1).i32(7).optString('authentication failed').toBuffer()
          : proc === AUTH_LIST
            ? kinds.reduce((w, k) => w.i32(k), new XdrWriter().u32(kinds.length)).toBuffer()
            : new XdrWriter().i32(1).toBuffer()
        stream.push(Buffer.concat([new XdrWriter().u32(28 + body.length).u32(program).u32(version).i32(proc).i32(1).u32(serial).i32(failed ? 1 : 0).toBuffer(), body]))
      }
      done()
    },
  })
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
