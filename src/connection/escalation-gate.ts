/**
 * Between an escalating channel and its command: the channel's bytes go to
 * the escalation's state machine (become.ts) until it is done — the password
 * written when, and only when, it asks — and from then on to the command's
 * own listeners, which see nothing of the method's prompt, lecture or marker.
 */
import type { KvmplayError } from '../core/errors.ts'
import type { escalationMachine } from './become.ts'

type Listener = (chunk: Buffer) => void

export interface GateChannel {
  write(data: string): void
  kill(): void
}

export class EscalationGate {
  /** Resolves once the command runs as the become user; rejects with the method's refusal. */
  readonly ready: Promise<void>
  private done = false
  private outListeners: Listener[] = []
  private errListeners: Listener[] = []
  private settle!: (err?: KvmplayError) => void
  private timer?: NodeJS.Timeout

  constructor(
    private machine: ReturnType<typeof escalationMachine> | undefined,
    private channel: GateChannel,
    private password: string | undefined,
    timeoutMs: number,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settle = (err) => {
        clearTimeout(this.timer)
        if (err) {
          channel.kill()
          reject(err)
        } else resolve()
      }
    })
    this.ready.catch(() => {})
    if (!machine) {
      this.done = true
      this.settle()
    } else {
      this.timer = setTimeout(() => this.act(machine.timedOut()), timeoutMs)
    }
  }

  private act(step: ReturnType<ReturnType<typeof escalationMachine>['feed']>): void {
    if (step.kind === 'send-password') this.channel.write(`${this.password}\n`)
    else if (step.kind === 'fail') this.settle(step.error)
    else if (step.kind === 'done') {
      this.done = true
      this.settle()
      if (step.stdout.length) for (const l of this.outListeners) l(step.stdout)
    }
  }

  /** The channel's stdout. */
  out(chunk: Buffer): void {
    if (this.done) for (const l of this.outListeners) l(chunk)
    else this.act(this.machine!.feed('out', chunk))
  }

  /** The channel's stderr (before the marker: the method's, dropped once judged). */
  err(chunk: Buffer): void {
    if (this.done) for (const l of this.errListeners) l(chunk)
    else this.act(this.machine!.feed('err', chunk))
  }

  /** The channel closed: before the marker, that is the method's refusal. */
  closed(): void {
    if (!this.done) this.act(this.machine!.closed())
  }

  onOut(l: Listener): void {
    this.outListeners.push(l)
  }

  onErr(l: Listener): void {
    this.errListeners.push(l)
  }
}
