/**
 * The run's one become password: read from --become-password-file, or asked
 * once on the controller's terminal (-K) with echo off, and reused for every
 * host. It is kept in memory only: never in an argument, the environment or
 * the output.
 */
import { readFileSync } from 'node:fs'
import { openSync, closeSync } from 'node:fs'
import { ReadStream, WriteStream } from 'node:tty'
import { KvmplayError } from '../core/errors.ts'
import { checkBecomePassword } from '../connection/become-settings.ts'

export function readPasswordFile(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new KvmplayError('usage', `--become-password-file ${path}: ${(err as Error).message}`)
  }
  // The file's first line, as Ansible reads --become-password-file.
  const password = text.split(/\r?\n/)[0]
  if (!password) throw new KvmplayError('usage', `--become-password-file ${path}: the file is empty`)
  // A lone CR (no LF after it) is no line end here, but is one to doas and su.
  return checkBecomePassword(password, `--become-password-file ${path}`, 'Write the password alone on the first line, ended by a plain newline (\\n).')!
}

/** What a password asked on the terminal is for: its flag, what to do without a terminal, and its own check of what was typed. */
export interface PasswordUse {
  flag: string
  what: string
  instead: string
  check: (typed: string) => string
}

const BECOME: PasswordUse = {
  flag: '-K (--ask-become-pass)',
  what: 'become password',
  instead: 'use --become-password-file FILE',
  check: (typed) => checkBecomePassword(typed, '-K (--ask-become-pass)', 'Type it again, without Ctrl-@.')!,
}

/**
 * Asks on the terminal (/dev/tty, so a pipe on stdin does not matter), in raw
 * mode: what is typed is not echoed. Ctrl-C or Ctrl-D give up.
 */
export function askPassword(prompt = 'BECOME password: ', use: PasswordUse = BECOME): Promise<string> {
  let fd: number
  try {
    fd = openSync('/dev/tty', 'r+')
  } catch {
    throw new KvmplayError('usage', `${use.flag} needs a terminal to ask on; without one, ${use.instead}`)
  }
  const input = new ReadStream(fd)
  const output = new WriteStream(fd)
  // Echo off before the prompt shows: what is typed as soon as it appears must not be echoed.
  input.setRawMode(true)
  output.write(prompt)
  return new Promise<string>((resolve, reject) => {
    let typed = ''
    const end = (err?: Error) => {
      input.setRawMode(false)
      input.removeAllListeners('data')
      output.write('\n')
      input.destroy()
      try {
        closeSync(fd)
      } catch {}
      if (err) return reject(err)
      // CR and LF end the typing; what else is refused is the use's to say (a NUL, for a become password).
      try {
        resolve(use.check(typed))
      } catch (e) {
        reject(e)
      }
    }
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return end()
        if (ch === '\u0003' || ch === '\u0004') return end(new KvmplayError('usage', `no ${use.what} given (interrupted)`))
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1)
        else typed += ch
      }
    })
  })
}
