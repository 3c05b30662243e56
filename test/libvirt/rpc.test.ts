// libvirt's RPC framing against a stand-in server on a unix socket: replies
// matched by serial, errors decoded, one call on the wire at a time, messages
// split or joined across chunks, and a closed link failing what is pending.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { LibvirtCallError, LibvirtRpc, LibvirtTimeoutError } from '../../src/libvirt/rpc.ts'
import { XdrReader, XdrWriter } from '../../src/libvirt/xdr.ts'

const PROGRAM = 0x20008086

interface Call {
  proc: number
  serial: number
  body: XdrReader
}

/** Replies through `answer` (after `delayMs`), writing each reply in two chunks; records the most calls seen unanswered at once. */
async function fakeLibvirtd(answer: (c: Call) => { status: 0 | 1; body: Buffer }, delayMs = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-rpc-'))
  const path = join(dir, 'sock')
  const stats = { maxInFlight: 0, calls: 0 }
  const clients: Socket[] = []
  const server: Server = createServer((sock) => {
    clients.push(sock)
    // An answer due after the client left (a test that drops the link) goes nowhere, quietly.
    sock.on('error', () => {})
    let buf = Buffer.alloc(0)
    let inFlight = 0
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0)
        const r = new XdrReader(buf.subarray(4, len))
        buf = buf.subarray(len)
        const [program, , proc, , serial] = [r.u32(), r.u32(), r.i32(), r.i32(), r.u32(), r.i32()]
        assert.is(program, PROGRAM)
        stats.calls++
        stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight)
        setTimeout(() => {
          inFlight--
          const { status, body } = answer({ proc, serial, body: r })
          const msg = Buffer.concat([new XdrWriter().u32(28 + body.length).u32(PROGRAM).u32(1).i32(proc).i32(1).u32(serial).i32(status).toBuffer(), body])
          if (sock.destroyed || !sock.writable) return
          sock.write(msg.subarray(0, 10))
          sock.write(msg.subarray(10))
        }, delayMs)
      }
    })
  })
  await new Promise<void>((r) => server.listen(path, r))
  const stream = connect(path)
  await new Promise((r) => stream.once('connect', r))
  return {
    path,
    rpc: new LibvirtRpc(stream),
    stats,
    dropClients: () => clients.forEach((c) => c.destroy()),
    close: () => {
      stream.destroy()
      server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const echoProc = (c: Call) => ({ status: 0 as const, body: new XdrWriter().i32(c.proc * 10).string(`proc ${c.proc}`).toBuffer() })

test('replies reach their own call, one call on the wire at a time', async () => {
  const f = await fakeLibvirtd(echoProc)
  try {
    const replies = await Promise.all([7, 8, 9, 10].map((p) => f.rpc.call(p).then((r) => [r.i32(), r.string()])))
    assert.equal(replies, [[70, 'proc 7'], [80, 'proc 8'], [90, 'proc 9'], [100, 'proc 10']])
    assert.is(f.stats.maxInFlight, 1)
  } finally {
    f.close()
  }
})

test("libvirt's error reply rejects that call with its message; the next call works", async () => {
  const f = await fakeLibvirtd((c) =>
    c.proc === 43
      ? { status: 1, body: new XdrWriter().i32(43).i32(19).optString("Network not found: no network with matching name 'x'").i32(2).toBuffer() }
      : echoProc(c),
  )
  try {
    const err = await f.rpc.call(43).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof LibvirtCallError)
    assert.is(err.message, "Network not found: no network with matching name 'x'")
    assert.is((err as LibvirtCallError).code, 43)
    assert.is((await f.rpc.call(1)).i32(), 10)
  } finally {
    f.close()
  }
})

test('a link that closes fails the pending and later calls', async () => {
  const f = await fakeLibvirtd(echoProc, 200)
  try {
    const pending = f.rpc.call(1).then(() => 'answered', (e: Error) => e.message)
    setTimeout(f.dropClients, 20)
    assert.is(await pending, 'libvirt connection closed')
    assert.is(await f.rpc.call(2).then(() => 'answered', (e: Error) => e.message), 'libvirt connection closed')
  } finally {
    f.close()
  }
})

test('a call unanswered within the timeout fails, and the session with it', async () => {
  const f = await fakeLibvirtd(echoProc, 1_000)
  try {
    const rpc = new LibvirtRpc(connect(f.path), 50)
    const err = await rpc.call(1).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof LibvirtTimeoutError, String(err))
    assert.match(err!.message, 'libvirt did not answer within 0.05 s')
    assert.ok((await rpc.call(2).then(() => undefined, (e: Error) => e)) instanceof LibvirtTimeoutError)
  } finally {
    f.close()
  }
})

test('XDR: strings are padded to 4 bytes, optional strings carry a presence word, arrays a count', () => {
  const buf = new XdrWriter().string('abcde').optString(undefined).optString('x').fixed(Buffer.alloc(16, 1)).u32(2).i32(-1).i32(5).toBuffer()
  assert.is(buf.length, 4 + 8 + 4 + 4 + 4 + 4 + 16 + 4 + 8)
  const r = new XdrReader(buf)
  assert.is(r.string(), 'abcde')
  assert.is(r.optString(), undefined)
  assert.is(r.optString(), 'x')
  assert.equal([...r.fixed(16)], Array(16).fill(1))
  assert.equal(r.array((x) => x.i32()), [-1, 5])
  assert.throws(() => r.u32(), /4 bytes wanted/)
  assert.throws(() => new XdrReader(new XdrWriter().u32(1000).toBuffer()).array((x) => x.i32()), /wanted/)
})

test.run()
