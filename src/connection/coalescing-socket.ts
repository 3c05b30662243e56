/**
 * The TCP socket under each SSH connection. ssh2's JavaScript ciphers (used
 * where its optional native binding was not built, as here) write every SSH
 * packet in three pieces — length, payload, tag — and with TCP_NODELAY each
 * piece left as a segment of its own: three system calls here, three wake-ups
 * of sshd on the host, for every packet (about 200 writes per host in a
 * migration, measured with strace). Writes made in the same tick are corked
 * and leave together, as one segment.
 */
import { Socket } from 'node:net'

/** A socket connecting to host:port whose writes within one tick leave together. */
export function coalescingSocket(host: string, port: number): Socket {
  const sock = new Socket()
  // connect() puts back the prototype's write (undoing a write-after-end guard), so patch after it.
  sock.connect({ host, port })
  const write = sock.write
  let corked = false
  sock.write = function (this: Socket, ...args: unknown[]) {
    if (!corked) {
      corked = true
      this.cork()
      process.nextTick(() => {
        corked = false
        this.uncork()
      })
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args)
  } as Socket['write']
  return sock
}
