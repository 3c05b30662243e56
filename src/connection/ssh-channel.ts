/**
 * Commands on ssh2 channels: one command on an exec channel of its own
 * (output collected as bytes: no trimming, no split UTF-8), and the channel
 * that carries the connection's long-lived shell (shell-session.ts).
 */
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2'
import { KvmplayError } from '../core/errors.ts'
import type { ExecOptions, ExecResult } from './types.ts'
import { commandName } from './command-name.ts'
import type { SshTarget } from './target.ts'
import type { ShellChannel } from './shell-session.ts'
import { quote } from '../core/quote.ts'
import { becomeCommand, escalationIds, escalationMachine, needsTerminal } from './become.ts'
import { EscalationGate } from './escalation-gate.ts'

/** How long an escalation may take to ask or to start the shell: PAM's delay after a wrong password is ~2 s. */
const escalationTimeoutMs = (t: SshTarget) => Math.max(t.connectTimeoutMs, 20_000)

/**
 * A terminal that changes no byte either way: no echo, no line editing, no
 * signals from ^C, no CR/NL translation. doas reads its password from a
 * terminal only; with these modes set when sshd makes the pty, the stream is
 * clean from the first byte, before any process could have said anything.
 */
const RAW_PTY: PseudoTtyOptions = {
  term: 'dumb',
  modes: { ECHO: 0, ECHOE: 0, ECHOK: 0, ECHONL: 0, ICANON: 0, ISIG: 0, IEXTEN: 0, IXON: 0, IXOFF: 0, ICRNL: 0, INLCR: 0, IGNCR: 0, ISTRIP: 0, OPOST: 0, ONLCR: 0, CS8: 1 },
}

/**
 * Opens an exec channel running the shell command `inner` — as the become
 * user where the target escalates (become.ts) — and the gate its bytes pass:
 * the command's own listeners hear nothing until the escalation is done.
 * `merged`: the channel has a terminal, its stderr comes on stdout.
 */
export function openChannel(client: Client, t: SshTarget, inner: string): Promise<{ channel: ClientChannel; gate: EscalationGate; merged: boolean }> {
  const b = t.become
  const ids = escalationIds()
  // virsh as a login other than root would use qemu:///session, not the host's libvirt.
  const line = b ? becomeCommand(b, inner, ids) : t.user === 'root' ? inner : `export LIBVIRT_DEFAULT_URI=qemu:///system; ${inner}`
  const merged = b !== undefined && needsTerminal(b)
  return new Promise((resolve, reject) =>
    client.exec(line, merged ? { pty: RAW_PTY } : {}, (err: Error | undefined, channel: ClientChannel) => {
      if (err) return reject(new KvmplayError('connect', `${t.host}: cannot run a command: ${err.message}`, { cause: err }))
      const kill = () => killChannel(channel)
      const machine = b && escalationMachine(t.host, t.user, b, ids)
      const gate = new EscalationGate(machine, { write: (d) => channel.write(d), kill }, b?.password, escalationTimeoutMs(t))
      // All of it here, in the channel's own callback: see EscalationGate on what comes in the same read.
      channel.on('data', (d: Buffer) => gate.out(d))
      channel.stderr.on('data', (d: Buffer) => gate.err(d))
      channel.on('exit', (code: number | null, signal?: string) => gate.exited(code, signal))
      channel.on('close', () => gate.closed())
      resolve({ channel, gate, merged })
    }),
  )
}

/**
 * Runs one command on a new exec channel; a non-zero exit is data, a timeout
 * or a lost link an error. The deadline covers the whole of it, the opening
 * of the channel included: a host that never confirms the session fails the
 * command too, named, instead of holding the run.
 */
export function runOnChannel(client: Client, t: SshTarget, command: string, opts: ExecOptions, closed: () => Error | undefined): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? t.commandTimeoutMs
  return new Promise((resolve, reject) => {
    const dead = closed()
    if (dead) return reject(dead)
    let channel: ClientChannel | undefined
    let settled = false
    const settle = (then: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      then()
    }
    const timer = setTimeout(() => {
      const what = channel ? `command timed out after ${timeoutMs / 1000} s` : `no session opened within ${timeoutMs / 1000} s for the command`
      settle(() => reject(new KvmplayError('timeout', `${t.host}: ${what}: ${commandName(command, opts)}`)))
      // Neither may end the command (sshd refuses signals to root's sessions,
      // and answers the close only once the process exits): the caller is
      // told now, not when the command ends by itself, if ever.
      if (channel) killChannel(channel)
    }, timeoutMs)
    openChannel(client, t, t.become ? `exec /bin/sh -c ${quote(command)}` : command).then(({ channel: opened, gate }) => {
      channel = opened
      if (settled) return killChannel(opened)
      const out: Buffer[] = []
      const errOut: Buffer[] = []
      gate.onOut((d) => out.push(d))
      gate.onErr((d) => errOut.push(d))
      gate.onClose(() =>
        settle(() => {
          if (gate.refusal) return reject(gate.refusal)
          const code = gate.exitCode
          if (code === undefined) return reject(closed() ?? new KvmplayError('connect', `${t.host}: the connection closed before the command finished`))
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') })
        }),
      )
      // The command's stdin only once it runs as the become user: the password went first.
      gate.ready.then(
        () => channel!.end(opts.stdin ?? undefined),
        () => {},
      )
    }, (e: Error) => settle(() => reject(e)))
  })
}

/** Ends a channel whatever it runs; the link may be gone already, and then there is nothing left to end. */
function killChannel(channel: ClientChannel): void {
  try {
    channel.signal('KILL')
    channel.close()
  } catch {}
}

/** A command longer than this goes to the shell on stdin: one argument of `sh -c` is limited to 128 KiB. */
export const LONGEST_ARGUMENT = 64 * 1024

/**
 * The shell behind a terminal: fed through cat, so its stdin is a pipe and it
 * is not interactive (no prompts in the output, no job control), with
 * $KVMPLAY_ERR for its commands' stderr (shell-session.ts, mergedCommand).
 * kvmplay ends the session by closing the channel: the terminal hangs up
 * (SIGHUP to everything on it), and the traps remove the file then too —
 * without them every session left an empty /tmp/tmp.* on the host.
 */
export const MERGED_SHELL =
  "KVMPLAY_ERR=$(mktemp) || exit 1; trap 'rm -f \"$KVMPLAY_ERR\"' EXIT; trap 'exit 129' HUP; trap 'exit 143' TERM; export KVMPLAY_ERR; cat | /bin/sh -s; exit $?"

/** The connection's long-lived shell (shell-session.ts), on a channel of its own, escalated where the target says. */
export async function shellChannel(client: Client, t: SshTarget): Promise<ShellChannel> {
  const b = t.become
  // With a terminal, each command's stderr goes to a file of the shell's own (shell-session.ts, mergedCommand).
  const inner = !b ? 'exec /bin/sh -s' : needsTerminal(b) ? MERGED_SHELL : 'exec /bin/sh -s'
  const { channel, gate, merged } = await openChannel(client, t, inner)
  await gate.ready
  return {
    merged,
    write: (text) => channel.write(text),
    onStdout: (listener) => gate.onOut(listener),
    onStderr: (listener) => gate.onErr(listener),
    onClose: (listener) => gate.onClose(listener),
    kill: () => killChannel(channel),
  }
}
