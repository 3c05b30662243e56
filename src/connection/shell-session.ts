/**
 * One long-lived /bin/sh per connection that runs the connection's commands
 * one after another, instead of a new SSH session for each. Every new session
 * costs the host a fork of sshd and a start of the user's login shell (about
 * 30 ms of CPU each on the lab; kvmplay ran 7 per host in a migration); a
 * command sent to a shell that is already running costs one fork.
 *
 * Each command runs as `( eval 'command' ) </dev/null`: in its own subshell
 * (an `exit`, `cd`, `set -e` or variable stays inside it), with no stdin (it
 * cannot eat the commands that follow), and parsed by `eval` (a syntax error
 * in it fails that command with exit 2, as `sh -c` would, instead of
 * swallowing the rest of the stream). Its end, with its exit code, is framed
 * on both streams as framing.ts describes.
 */
import { randomBytes } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'
import { quote } from '../core/quote.ts'
import { framedCommand } from './framing.ts'
import { OutputBuffer } from './output-buffer.ts'
import type { ExecResult } from './types.ts'
import { commandName } from './command-name.ts'

/** What the session needs of a running `/bin/sh -s`: an SSH channel, or a child process in tests. */
export interface ShellChannel {
  write(text: string): void
  onStdout(listener: (chunk: Buffer) => void): void
  onStderr(listener: (chunk: Buffer) => void): void
  /** The shell or its channel has gone; called once. */
  onClose(listener: () => void): void
  /** Ends the shell now, whatever it runs. */
  kill(): void
  /**
   * stdout and stderr arrive as one stream (a terminal: doas needs one). The
   * shell then has $KVMPLAY_ERR, a file each command's stderr goes to, sent
   * after the command's stdout and its first frame (mergedCommand).
   */
  readonly merged?: boolean
}

export interface ShellSession {
  /** True while a command runs: a concurrent command must use its own session. */
  readonly busy: boolean
  /** False once the shell has gone (closed, killed after a timeout): open a new one. */
  readonly alive: boolean
  /** `name`: how a timeout names the command (command-name.ts); by default its first line. */
  run(command: string, timeoutMs: number, name?: string): Promise<ExecResult>
  close(): void
}

export interface ShellSessionOptions {
  host: string
  /** Why the link is gone, if it is: a command cut short by it fails with that. */
  linkError: () => Error | undefined
}

/** The shell's script for command `i`. */
export const sessionCommand = (command: string, marker: string, i: number) => `${framedCommand(`eval ${quote(command)}`, marker, i)}\n`

/**
 * Command `i` for a shell whose two streams are one: its stderr to a file,
 * sent after its stdout's frame and followed by a second frame — the bytes
 * between the two frames are its stderr. One `cat` per command: the price of
 * a terminal.
 */
export const mergedCommand = (command: string, marker: string, i: number) =>
  `( eval ${quote(command)}\n) </dev/null 2>"$KVMPLAY_ERR"\nrc=$?\nprintf '\\n${marker} ${i} %d\\n' $rc; cat "$KVMPLAY_ERR"; printf '\\n${marker} ${i} %d\\n' $rc\n`

/** Where command `i`'s frame ends in `buf` (looking from `from` on), and its exit code; undefined until it has arrived. */
export function findFrame(buf: Buffer, marker: string, i: number, from = 0): { body: Buffer; code: number } | undefined {
  const head = `\n${marker} ${i} `
  const at = buf.indexOf(head, from)
  if (at < 0) return undefined
  const eol = buf.indexOf('\n', at + head.length)
  if (eol < 0) return undefined
  return { body: buf.subarray(0, at), code: Number(buf.subarray(at + head.length, eol).toString('latin1')) }
}

/** In a merged stream, the second frame of command `i`, after the first (`first`): its body is the command's stderr. */
function afterFrame(buf: Buffer, first: { body: Buffer }, marker: string, i: number) {
  const start = buf.indexOf('\n', first.body.length + 1) + 1
  const second = findFrame(buf.subarray(start), marker, i)
  return second && { body: second.body, code: second.code }
}

/** The longest frame line: the head and an exit code (up to 3 digits) with its newline. */
const frameLength = (marker: string, i: number) => `\n${marker} ${i} 255\n`.length

export function openShellSession(channel: Promise<ShellChannel>, opts: ShellSessionOptions): ShellSession {
  const marker = `KVMPLAY-${randomBytes(8).toString('hex')}`
  const out = new OutputBuffer()
  const err = new OutputBuffer()
  let next = 0
  let alive = true
  let pending: { check: () => void; fail: (e: Error) => void } | undefined
  let ch: ShellChannel | undefined
  let merged = false

  const gone = (why: Error) => {
    alive = false
    pending?.fail(why)
    pending = undefined
  }
  channel.then(
    (c) => {
      ch = c
      merged = c.merged === true
      c.onStdout((d) => (out.append(d), pending?.check()))
      c.onStderr((d) => (err.append(d), pending?.check()))
      c.onClose(() => gone(opts.linkError() ?? new KvmplayError('connect', `${opts.host}: the remote shell ended before the command finished`)))
      if (!alive) c.kill()
    },
    (e: Error) => gone(e),
  )

  const run = (command: string, timeoutMs: number, name = commandName(command)): Promise<ExecResult> => {
    if (!alive) return Promise.reject(opts.linkError() ?? new KvmplayError('connect', `${opts.host}: the remote shell has ended`))
    if (pending) return Promise.reject(new Error('shell session busy: one command at a time'))
    const i = next++
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        // What the command left running cannot be told apart from the next command: end the shell.
        gone(new KvmplayError('timeout', `${opts.host}: command timed out after ${timeoutMs / 1000} s: ${name}`))
        ch?.kill()
      }, timeoutMs)
      const settle = () => {
        clearTimeout(timer)
        pending = undefined
      }
      const longest = frameLength(marker, i)
      let o: ReturnType<typeof findFrame>
      pending = {
        check: () => {
          // Each stream is searched only where bytes came in since; a frame found stays found.
          o ??= findFrame(out.bytes(), marker, i, out.from(longest))
          // One stream: stderr is what lies between the first frame and the second.
          const e = o && (merged ? afterFrame(out.bytes(), o, marker, i) : findFrame(err.bytes(), marker, i, err.from(longest)))
          if (!o || !e) return
          settle()
          const result = { code: o.code, stdout: o.body.toString('utf8'), stderr: e.body.toString('utf8') }
          // Nothing else runs in the shell now, so nothing follows the frames.
          out.clear()
          err.clear()
          resolve(result)
        },
        fail: (e) => (settle(), reject(e)),
      }
      channel.then((c) => alive && c.write((c.merged ? mergedCommand : sessionCommand)(command, marker, i)), () => {})
    })
  }

  return {
    get busy() {
      return pending !== undefined
    },
    get alive() {
      return alive
    },
    run,
    close: () => {
      alive = false
      ch?.kill()
    },
  }
}
