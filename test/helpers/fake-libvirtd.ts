/**
 * libvirtd's side of its RPC protocol in process, for unit tests of the
 * libvirt session: each call answered by `answer(proc)` — a body (status
 * OK), `{ error }` (status ERROR, a remote_error with that message), or
 * 'hang up' (the link dropped) — and every procedure recorded. AUTH_LIST is
 * answered "none needed" unless `answer` says otherwise, as libvirtd
 * answers root on its unix sockets.
 */
import { Duplex } from 'node:stream'
import { XdrReader, XdrWriter } from '../../src/libvirt/xdr.ts'

export const AUTH_LIST = 66
export type FakeAnswer = Buffer | { error: string } | 'hang up' | undefined

export function fakeLibvirtd(answer: (proc: number) => FakeAnswer): { stream: Duplex; calls: number[] } {
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
        const given = answer(proc) ?? (proc === AUTH_LIST ? new XdrWriter().u32(1).i32(0).toBuffer() : Buffer.alloc(0))
        if (given === 'hang up') {
          stream.destroy()
          break
        }
        const failed = !Buffer.isBuffer(given)
        const body = failed ? new XdrWriter().i32(1).i32(7).optString(given.error).toBuffer() : given
        stream.push(Buffer.concat([new XdrWriter().u32(28 + body.length).u32(program).u32(version).i32(proc).i32(1).u32(serial).i32(failed ? 1 : 0).toBuffer(), body]))
      }
      done()
    },
  })
  return { stream, calls }
}
