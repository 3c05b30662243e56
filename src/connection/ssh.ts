/**
 * SSH connections: node-ssh opens them (keys, agent, password), one per host,
 * reused for every command of the run. Commands without stdin go to the
 * connection's long-lived shell; a command with stdin, or one sent while the
 * shell is busy, gets an exec channel of its own (ssh-channel.ts). The login
 * itself (host keys, keys, jump hosts, pacing) is ssh-login.ts and its friends.
 */
import type { Client } from 'ssh2'
import { KvmplayError, isKvmplayError } from '../core/errors.ts'
import type { Connection, ExecOptions, ExecResult } from './types.ts'
import type { SshTarget } from './target.ts'
import { openShellSession } from './shell-session.ts'
import type { ShellSession } from './shell-session.ts'
import { pacedLogin } from './handshakes.ts'
import { jumpHostsReady, streamTo, through } from './jump-hosts.ts'
import { LONGEST_ARGUMENT, openChannel, runOnChannel, shellChannel } from './ssh-channel.ts'
import { channelStream } from './channel-stream.ts'
import { needsTerminal, withStdin } from './become.ts'
import { withDeadline } from '../core/deadlines.ts'
import { endClient } from './end-client.ts'
import type { Duplex } from 'node:stream'
import { commandName } from './command-name.ts'

/**
 * Logs in to the target: straight over TCP, or through its jump hosts
 * (jump-hosts.ts), paced and retried as handshakes.ts says. A jump host
 * that cannot be reached fails its hosts with its own name in the message.
 */
async function open(t: SshTarget) {
  try {
    await jumpHostsReady(t.jumps)
    return await pacedLogin(t, () => streamTo(t.jumps, t.address, t.port, t.connectTimeoutMs), through(t.jumps))
  } catch (err) {
    if (!t.jumps.length || !isKvmplayError(err) || err.message.startsWith(`${t.host}:`)) throw err
    throw new KvmplayError(err.kind, `${t.host}: ${err.message}`, { cause: err })
  }
}

export async function connectSsh(t: SshTarget): Promise<Connection> {
  const ssh = await open(t)
  const client = ssh.connection as Client
  let lost: Error | undefined
  const markLost = (why: string) => (lost ??= new KvmplayError('connect', `${t.host}: connection lost (${why})`))
  client.on('close', () => markLost('closed'))
  client.on('error', (e: Error) => markLost(e.message))
  client.on('end', () => markLost('ended'))
  let closing = false
  /** Why the connection can no longer be used, if it cannot. */
  const dead = () => (closing ? new KvmplayError('connect', `${t.host}: connection closed`) : lost)
  let shell: ShellSession | undefined
  const newShell = () => {
    const channel = shellChannel(client, t)
    shell = openShellSession(channel, { host: t.host, linkError: dead })
    return channel
  }
  if (t.become) {
    // Escalate now, once: a refusal (no password, a wrong one, sudoers) is the
    // host's result before any fact is read or any task changes anything.
    try {
      await newShell()
    } catch (err) {
      shell?.close()
      endClient(client)
      throw err
    }
  }
  /**
   * With a terminal (doas) a channel has no EOF to give a command's stdin,
   * and no stderr of its own: every command goes to an escalated shell, its
   * stdin inside the command (withStdin); a command sent while the shell is
   * busy gets a shell of its own for the time it runs.
   */
  const execOnTerminal = async (command: string, opts: ExecOptions): Promise<ExecResult> => {
    const script = opts.stdin === undefined ? command : withStdin(command, opts.stdin)
    const timeout = opts.timeoutMs ?? t.commandTimeoutMs
    if (!shell?.alive) newShell()
    // Named by the command: the script's first line is the stdin, as base64.
    const name = commandName(command, opts)
    if (!shell!.busy) return shell!.run(script, timeout, name)
    const once = openShellSession(shellChannel(client, t), { host: t.host, linkError: dead })
    try {
      return await once.run(script, timeout, name)
    } finally {
      once.close()
    }
  }
  const exec = (command: string, opts: ExecOptions = {}): Promise<ExecResult> => {
    const gone = dead()
    if (gone) return Promise.reject(gone)
    if (t.become && needsTerminal(t.become)) return execOnTerminal(command, opts)
    // Commands without stdin go to the connection's shell, unless it is running one already.
    if (opts.stdin === undefined) {
      if (!shell?.alive) newShell()
      if (!shell!.busy) return shell!.run(command, opts.timeoutMs ?? t.commandTimeoutMs, commandName(command, opts))
      if (command.length > LONGEST_ARGUMENT) return runOnChannel(client, t, '/bin/sh -s', { ...opts, stdin: command }, dead)
    }
    return runOnChannel(client, t, command, opts, dead)
  }
  return {
    host: t.host,
    login: { user: t.user, becomeUser: t.become?.user },
    exec,
    openStream: async (command) => {
      const gone = dead()
      if (gone) throw gone
      const opened = openChannel(client, t, command).then(async ({ channel, gate }) => (await gate.ready, channelStream(channel, gate)))
      return withDeadline(opened, Math.max(t.connectTimeoutMs, 20_000), `${t.host}: no relay started for ${command}`, (s) => s.destroy())
    },
    openUnixSocket: (path) => {
      const gone = dead()
      if (gone) return Promise.reject(gone)
      const opened = new Promise<Duplex>((resolve, reject) =>
        client.openssh_forwardOutStreamLocal(path, (err, stream) => (err ? reject(new KvmplayError('connect', `${t.host}: cannot open ${path}: ${err.message}`)) : resolve(stream))),
      )
      return withDeadline(opened, t.connectTimeoutMs, `${t.host}: sshd did not open ${path}`, (s) => s.destroy())
    },
    close: async () => {
      closing = true
      shell?.close()
      endClient(client)
    },
  }
}
