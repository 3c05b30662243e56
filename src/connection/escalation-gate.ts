/**
 * Between a channel and its command. The channel's bytes go to the
 * escalation's state machine (become.ts), where there is one, until it is
 * done — the password written when, and only when, it asks — and from then
 * on to the command's own listeners, which see nothing of the method's
 * prompt, lecture or marker.
 *
 * It also keeps what the channel says before anyone listens: the gate is fed
 * from the channel's own callback, while the command's listeners come a
 * promise later. A command that ends at once (or an event loop busy with
 * other hosts) brings its output, exit status and close in the same read
 * as the channel's confirmation; without this they were heard by nobody
 * and the command's promise never settled (issue 28's hung runs).
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
  /** The command's output that came before its first listener: handed to it. */
  private heldOut: Buffer[] = []
  private heldErr: Buffer[] = []
  private closeListeners: (() => void)[] = []
  private isClosed = false
  /** The command's exit code (a signal counts as 128 + 9, a missing status as 255), once the channel said it. */
  exitCode: number | undefined
  /** The method's refusal, once judged: known at once, where `ready`'s rejection comes a promise later. */
  refusal: KvmplayError | undefined
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
          this.refusal = err
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
      if (step.stdout.length) this.deliver(this.outListeners, this.heldOut, step.stdout)
    }
  }

  private deliver(listeners: Listener[], held: Buffer[], chunk: Buffer): void {
    if (listeners.length === 0) held.push(chunk)
    else for (const l of listeners) l(chunk)
  }

  /** The channel's stdout. */
  out(chunk: Buffer): void {
    if (this.done) this.deliver(this.outListeners, this.heldOut, chunk)
    else this.act(this.machine!.feed('out', chunk))
  }

  /** The channel's stderr (before the marker: the method's, dropped once judged). */
  err(chunk: Buffer): void {
    if (this.done) this.deliver(this.errListeners, this.heldErr, chunk)
    else this.act(this.machine!.feed('err', chunk))
  }

  /** The channel's exit status (ssh2's 'exit': a code, or a signal). */
  exited(code: number | null, signal?: string): void {
    this.exitCode = code ?? (signal ? 128 + 9 : 255)
  }

  /** The channel closed: before the marker, that is the method's refusal. */
  closed(): void {
    if (this.isClosed) return
    this.isClosed = true
    if (!this.done) this.act(this.machine!.closed())
    for (const l of this.closeListeners.splice(0)) l()
  }

  /** A listener of the command's stdout; what came before it is handed to it first. */
  onOut(l: Listener): void {
    this.outListeners.push(l)
    for (const chunk of this.heldOut.splice(0)) l(chunk)
  }

  onErr(l: Listener): void {
    this.errListeners.push(l)
    for (const chunk of this.heldErr.splice(0)) l(chunk)
  }

  /** Called once the channel has closed — at once when it has already. Attach the output's listeners first. */
  onClose(l: () => void): void {
    if (this.isClosed) l()
    else this.closeListeners.push(l)
  }
}
