/**
 * Privilege escalation once a channel is open, as Ansible's become plugins
 * do it: the channel runs `sudo … /bin/sh -c 'echo MARKER; exec CMD'` (or su,
 * or doas), and kvmplay waits for one of two things — the escalation's
 * password prompt on stderr (a prompt kvmplay chose, where the method lets it
 * choose), and only then writes the password and a newline; or the marker on
 * stdout, after which every byte is the command's. Anything else the method
 * says (a second prompt, "not in the sudoers file", requiretty) ends the
 * channel at once with an error of its own: no second password attempt,
 * which could lock the account.
 *
 * The password is only ever written to the channel's stdin: never into a
 * command line, the environment, or a message.
 */
import { randomBytes } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'
import { quote } from '../core/quote.ts'

export const BECOME_METHODS = ['sudo', 'su', 'doas'] as const
export type BecomeMethod = (typeof BECOME_METHODS)[number]

export interface Become {
  method: BecomeMethod
  /** Whom to become (default root). */
  user: string
  /** The run's password (-K, --become-password-file, ansible_become_password); absent: the method must not ask. */
  password?: string
}

/** What one escalation looks for: a prompt and a marker nobody can guess. */
export interface EscalationIds {
  prompt: string
  marker: string
}

export const escalationIds = (): EscalationIds => {
  const key = randomBytes(8).toString('hex')
  // No % in it: sudo expands %u, %h… in its prompt.
  return { prompt: `[kvmplay become ${key}] password:`, marker: `KVMPLAY-BECOME-${key}` }
}

/**
 * The command line that runs `inner` (a /bin/sh command) as the become
 * user, the marker printed first. Without a password, sudo and doas run
 * non-interactively (-n): a method that would ask fails at once instead.
 */
export function becomeCommand(b: Become, inner: string, ids: EscalationIds): string {
  const shell = `/bin/sh -c ${quote(`echo ${ids.marker}; ${inner}`)}`
  switch (b.method) {
    case 'sudo':
      return `sudo -H -S ${b.password === undefined ? '-n ' : ''}-p ${quote(ids.prompt)} -u ${quote(b.user)} ${shell}`
    case 'doas':
      return `doas ${b.password === undefined ? '-n ' : ''}-u ${quote(b.user)} ${shell}`
    case 'su':
      // su's prompt is PAM's, not ours to choose: the C locale makes it the one we look for.
      return `LC_ALL=C su ${quote(b.user)} -c ${quote(shell)}`
  }
}

/** doas reads the password from a terminal only (su and sudo -S read stdin). */
export const needsTerminal = (b: Become) => b.method === 'doas'

/**
 * A command with its stdin inside it, for a shell whose stdin is a terminal:
 * the bytes as base64 in the argument of printf (a builtin: no process, no
 * argument list anyone can read), decoded into the command's stdin.
 */
export const withStdin = (command: string, stdin: string | Buffer) =>
  `printf '%s' '${Buffer.from(stdin).toString('base64')}' | base64 -d | (\n${command}\n)`

/** The method's own prompt, where it cannot be chosen (su's PAM prompt, doas'). */
const fixedPrompt: Record<BecomeMethod, RegExp | undefined> = {
  sudo: undefined,
  su: /(^|\n)Password: ?$/,
  doas: /(^|\n)doas \([^)\n]*\) password: ?$/,
}

/** What the methods say when they refuse, and the error kvmplay makes of it. */
type Refusal = 'password-required' | 'wrong-password' | 'not-allowed' | 'requiretty' | 'missing'
const REFUSALS: [RegExp, Refusal][] = [
  [/a password is required|a terminal is required to read the password|Authentication required/i, 'password-required'],
  [/must have a tty|requiretty/i, 'requiretty'],
  [/Sorry, try again|incorrect password attempt|Authentication failure|Authentication failed|authentication token manipulation/i, 'wrong-password'],
  [/is not in the sudoers file|is not allowed to (execute|run)|Operation not permitted|not permitted|may not run sudo/i, 'not-allowed'],
  [/(sudo|su|doas): (command )?not found/i, 'missing'],
]

export function becomeError(host: string, login: string, b: Become, why: Refusal | 'failed' | 'timeout', said: string): KvmplayError {
  const as = `${b.method} to ${b.user}`
  const tail = ' — nothing was changed'
  const quoteSaid = said ? ` (${b.method} said: ${said.trim().split('\n').slice(-2).join(' ').slice(0, 200)})` : ''
  const text: Record<typeof why, string> = {
    'password-required': `${as} needs a password for ${login} and none was given: pass -K (--ask-become-pass), --become-password-file FILE, or set ansible_become_password`,
    'wrong-password': `the become password was refused by ${as} for ${login}; kvmplay tried it once and stopped (no retry that could lock the account) — check the password`,
    'not-allowed': `${login} may not run commands as ${b.user} with ${b.method}${quoteSaid}: ${b.method === 'doas' ? `add 'permit ${login} as ${b.user}' to /etc/doas.conf` : b.method === 'su' ? `su needs ${b.user}'s password` : `add a rule such as '${login} ALL=(ALL:ALL) ALL' in /etc/sudoers.d/ (visudo)`}, or log in as a user who may`,
    requiretty: `sudoers requires a terminal for ${login} (Defaults requiretty), and kvmplay runs sudo without one: add 'Defaults:${login} !requiretty' to /etc/sudoers.d/ (visudo)`,
    missing: `${b.method} is not installed on the host${quoteSaid}: install it, or choose another --become-method`,
    failed: `${as} failed for ${login}${quoteSaid}`,
    timeout: `${as} for ${login} neither asked for the password nor started the shell in time${quoteSaid}`,
  }
  return new KvmplayError('become', `${host}: ${text[why]}${tail}`)
}

export type EscalationStep =
  | { kind: 'wait' }
  | { kind: 'send-password' }
  /** Escalated: the bytes after the marker line belong to the command. */
  | { kind: 'done'; stdout: Buffer }
  | { kind: 'fail'; error: KvmplayError }

/**
 * The escalation's state machine, fed the channel's bytes as they come; it
 * never writes itself, so it can be tested with canned output. `stream`:
 * 'out' or 'err'; with a terminal (merged streams) feed everything as 'out'.
 */
export function escalationMachine(host: string, login: string, b: Become, ids: EscalationIds) {
  // What was said since the password was last sent: a prompt in it is a new ask.
  let out = Buffer.alloc(0)
  let err = ''
  let said = ''
  let asked = 0
  let finished = false
  const markerLine = Buffer.from(ids.marker)
  const fixed = fixedPrompt[b.method]
  const fail = (why: Parameters<typeof becomeError>[3]): EscalationStep => {
    finished = true
    return { kind: 'fail', error: becomeError(host, login, b, why, said + err + out.toString('utf8')) }
  }
  const judge = (): EscalationStep => {
    if (finished) return { kind: 'wait' }
    const at = out.indexOf(markerLine)
    if (at >= 0) {
      const eol = out.indexOf('\n', at + markerLine.length)
      if (eol < 0) return { kind: 'wait' }
      finished = true
      return { kind: 'done', stdout: out.subarray(eol + 1) }
    }
    // Before the marker, stdout is the method's too (with a terminal, it is all there is).
    const text = err + out.toString('utf8')
    for (const [re, why] of REFUSALS) if (re.test(text)) return fail(why)
    const prompted = fixed ? fixed.test(text.replace(/\r/g, '')) : err.includes(ids.prompt)
    if (!prompted) return { kind: 'wait' }
    if (asked > 0) return fail('wrong-password')
    if (b.password === undefined) return fail('password-required')
    asked++
    said += err.replace(ids.prompt, '')
    err = ''
    out = Buffer.alloc(0)
    return { kind: 'send-password' }
  }
  return {
    feed(stream: 'out' | 'err', chunk: Buffer): EscalationStep {
      if (stream === 'out') out = Buffer.concat([out, chunk])
      else err += chunk.toString('utf8')
      return judge()
    },
    /** The channel ended before the marker. */
    closed(): EscalationStep {
      if (finished) return { kind: 'wait' }
      const step = judge()
      return step.kind === 'wait' || step.kind === 'send-password' ? fail('failed') : step
    },
    timedOut: (): EscalationStep => (finished ? { kind: 'wait' } : fail('timeout')),
    /** What the method said on stderr before the marker (the lecture, a warning): not the command's. */
    get said() {
      return said + err
    },
  }
}
