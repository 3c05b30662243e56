/**
 * An escalated exec channel as a plain Duplex: what the command writes on
 * stdout after the escalation's marker, and our writes to its stdin. Used for
 * relays (virt-ssh-helper) that carry a protocol to a root-only socket.
 */
import { Duplex } from 'node:stream'
import type { ClientChannel } from 'ssh2'
import type { EscalationGate } from './escalation-gate.ts'

export function channelStream(channel: ClientChannel, gate: EscalationGate): Duplex {
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      channel.write(chunk)
      done()
    },
    final(done) {
      channel.end()
      done()
    },
    destroy(err, done) {
      try {
        channel.close()
      } catch {}
      done(err)
    },
  })
  gate.onOut((d) => stream.push(d))
  gate.onClose(() => (stream.push(null), stream.destroy()))
  return stream
}
