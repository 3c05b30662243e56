/**
 * SSH connections: node-ssh opens them (keys, agent, password), one per host,
 * reused for every command of the run. Commands without stdin go to the
 * connection's long-lived shell; a command with stdin, or one sent while the
 * shell is busy, gets an exec channel of its own (ssh-channel.ts). Host keys
 * are checked before authentication (host-key-policy.ts).
 */
import { NodeSSH } from 'node-ssh'
import type { Client } from 'ssh2'
import { KvmplayError } from '../core/errors.ts'
import type { Connection, ExecOptions, ExecResult } from './types.ts'
import type { SshTarget } from './target.ts'
import { openShellSession } from './shell-session.ts'
import type { ShellSession } from './shell-session.ts'
import { coalescingSocket } from './coalescing-socket.ts'
import { hostKeyChecker } from './host-key-policy.ts'
import { authMethods, readKey } from './ssh-auth.ts'
import { LONGEST_ARGUMENT, openChannel, runOnChannel, shellChannel } from './ssh-channel.ts'
import { channelStream } from './channel-stream.ts'
import { needsTerminal, withStdin } from './become.ts'

/** A dead link is noticed within about 15 s even when no command is running. */
const KEEPALIVE = { keepaliveInterval: 5_000, keepaliveCountMax: 3 }

export async function connectSsh(t: SshTarget): Promise<Connection> {
  const ssh = new NodeSSH()
  let refusal: KvmplayError | undefined
  const privateKey = t.privateKeyPath ? await readKey(t, t.privateKeyPath) : undefined
  // From here to ssh2's own listeners on the socket, nothing waits: no socket event can go unheard.
  const sock = coalescingSocket(t.address, t.port)
  // Without it, Nagle's algorithm holds a command's second small packet (its
  // stdin, its EOF) until the host's delayed ACK: ~40 ms per exchange, 88 ms
  // per command with stdin instead of 4 (measured on the lab).
  sock.setNoDelay(true)
  sock.setMaxListeners(0)
  try {
    await ssh.connect({
      authHandler: authMethods(t),
      sock,
      host: t.address,
      port: t.port,
      username: t.user,
      privateKey,
      password: t.password,
      agent: t.privateKeyPath ? undefined : process.env.SSH_AUTH_SOCK,
      readyTimeout: t.connectTimeoutMs,
      ...KEEPALIVE,
      hostVerifier: hostKeyChecker(t, (e) => (refusal = e)),
    } as Parameters<NodeSSH['connect']>[0])
  } catch (err) {
    ssh.dispose()
    if (refusal) throw refusal
    const msg = (err as Error).message
    const hint = /authentication/i.test(msg)
      ? ` — check ansible_user and ansible_ssh_private_key_file (or your ssh-agent)`
      : /timed out|ETIMEDOUT|EHOSTUNREACH|ECONNREFUSED|ENETUNREACH/i.test(msg)
        ? ` — is the host up and sshd listening on port ${t.port}?`
        : ''
    throw new KvmplayError('connect', `${t.host}: cannot connect to ${t.user}@${t.address}:${t.port}: ${msg}${hint}`, { cause: err })
  }
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
      ssh.dispose()
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
    if (!shell!.busy) return shell!.run(script, timeout)
    const once = openShellSession(shellChannel(client, t), { host: t.host, linkError: dead })
    try {
      return await once.run(script, timeout)
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
      if (!shell!.busy) return shell!.run(command, opts.timeoutMs ?? t.commandTimeoutMs)
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
      const { channel, gate } = await openChannel(client, t, command)
      await gate.ready
      return channelStream(channel, gate)
    },
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
