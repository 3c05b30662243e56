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
import { LONGEST_ARGUMENT, runOnChannel, shellChannel } from './ssh-channel.ts'

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
  const exec = (command: string, opts: ExecOptions = {}): Promise<ExecResult> => {
    const gone = dead()
    if (gone) return Promise.reject(gone)
    // Commands without stdin go to the connection's shell, unless it is running one already.
    if (opts.stdin === undefined) {
      if (!shell?.alive) shell = openShellSession(shellChannel(client, t), { host: t.host, linkError: dead })
      if (!shell.busy) return shell.run(command, opts.timeoutMs ?? t.commandTimeoutMs)
      if (command.length > LONGEST_ARGUMENT) return runOnChannel(client, t, '/bin/sh -s', { ...opts, stdin: command }, dead)
    }
    return runOnChannel(client, t, command, opts, dead)
  }
  return {
    host: t.host,
    exec,
    openUnixSocket: (path) =>
      new Promise((resolve, reject) => {
        const gone = dead()
        if (gone) return reject(gone)
        client.openssh_forwardOutStreamLocal(path, (err, stream) => (err ? reject(new KvmplayError('connect', `${t.host}: cannot open ${path}: ${err.message}`)) : resolve(stream)))
      }),
    close: async () => {
      closing = true
      shell?.close()
      ssh.dispose()
    },
  }
}
