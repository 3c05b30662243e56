/**
 * Commands on ssh2 channels: one command on an exec channel of its own
 * (output collected as bytes: no trimming, no split UTF-8), and the channel
 * that carries the connection's long-lived shell (shell-session.ts).
 */
import type { Client, ClientChannel } from 'ssh2'
import { KvmplayError } from '../core/errors.ts'
import type { ExecOptions, ExecResult } from './types.ts'
import type { SshTarget } from './target.ts'
import type { ShellChannel } from './shell-session.ts'

/** Runs one command on a new exec channel; a non-zero exit is data, a timeout or a lost link an error. */
export function runOnChannel(client: Client, t: SshTarget, command: string, opts: ExecOptions, closed: () => Error | undefined): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? t.commandTimeoutMs
  return new Promise((resolve, reject) => {
    const dead = closed()
    if (dead) return reject(dead)
    client.exec(command, (err: Error | undefined, channel: ClientChannel) => {
      if (err) return reject(new KvmplayError('connect', `${t.host}: cannot run a command: ${err.message}`, { cause: err }))
      const out: Buffer[] = []
      const errOut: Buffer[] = []
      let code: number | undefined
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        // Neither may end the command (sshd refuses signals to root's sessions,
        // and answers the close only once the process exits): the caller is
        // told now, not when the command ends by itself, if ever.
        channel.signal('KILL')
        channel.close()
        reject(new KvmplayError('timeout', `${t.host}: command timed out after ${timeoutMs / 1000} s: ${command.slice(0, 200)}`))
      }, timeoutMs)
      channel.on('data', (d: Buffer) => out.push(d))
      channel.stderr.on('data', (d: Buffer) => errOut.push(d))
      channel.on('exit', (c: number | null, signal?: string) => {
        code = c ?? (signal ? 128 + 9 : 255)
      })
      channel.on('close', () => {
        clearTimeout(timer)
        if (timedOut) return
        if (code === undefined) {
          return reject(closed() ?? new KvmplayError('connect', `${t.host}: the connection closed before the command finished`))
        }
        resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') })
      })
      channel.end(opts.stdin ?? undefined)
    })
  })
}

/** A command longer than this goes to the shell on stdin: one argument of `sh -c` is limited to 128 KiB. */
export const LONGEST_ARGUMENT = 64 * 1024

/** The connection's long-lived shell (shell-session.ts), on a channel of its own. */
export function shellChannel(client: Client, t: SshTarget): Promise<ShellChannel> {
  return new Promise((resolve, reject) =>
    client.exec('exec /bin/sh -s', (err: Error | undefined, channel: ClientChannel) => {
      if (err) return reject(new KvmplayError('connect', `${t.host}: cannot run a command: ${err.message}`, { cause: err }))
      resolve({
        write: (text) => channel.write(text),
        onStdout: (listener) => channel.on('data', listener),
        onStderr: (listener) => channel.stderr.on('data', listener),
        onClose: (listener) => channel.on('close', listener),
        kill: () => {
          // The link may be gone already: then there is nothing left to end.
          try {
            channel.signal('KILL')
            channel.close()
          } catch {}
        },
      })
    }),
  )
}
