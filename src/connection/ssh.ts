/**
 * SSH connections: node-ssh opens them (keys, agent, password), one per host,
 * reused for every command of the run; commands run on ssh2 channels directly
 * so output is collected as bytes (no trimming, no split UTF-8).
 * Host keys are checked against known_hosts before authentication.
 */
import { readFile } from 'node:fs/promises'
import { NodeSSH } from 'node-ssh'
import type { Client, ClientChannel } from 'ssh2'
import { KvmplayError } from '../core/errors.ts'
import { appendKnownHost, hostKeyName, keyTypeOf, readKnownHosts, verifyHostKey } from './known-hosts.ts'
import type { Connection, ExecOptions, ExecResult } from './types.ts'
import type { SshTarget } from './target.ts'
import { openShellSession } from './shell-session.ts'
import { coalescingSocket } from './coalescing-socket.ts'
import type { ShellChannel, ShellSession } from './shell-session.ts'

/** A dead link is noticed within about 15 s even when no command is running. */
const KEEPALIVE = { keepaliveInterval: 5_000, keepaliveCountMax: 3 }

function hostKeyChecker(t: SshTarget, reject: (e: KvmplayError) => void) {
  const entries = readKnownHosts(t.knownHostsFiles)
  const name = hostKeyName(t.address, t.port)
  const files = t.knownHostsFiles.join(', ')
  return (key: Buffer): boolean => {
    const verdict = verifyHostKey(entries, name, key)
    switch (verdict.status) {
      case 'known':
        return true
      case 'unknown':
        if (t.acceptNewHostKeys) {
          appendKnownHost(t.knownHostsFiles[0], name, key)
          return true
        }
        reject(
          new KvmplayError(
            'hostkey',
            `${t.host}: host key of ${name} (${keyTypeOf(key)}) is not in ${files}; refusing to connect. ` +
              `Check the key, then add it (ssh-keyscan ${t.port === 22 ? '' : `-p ${t.port} `}${t.address} >> ${t.knownHostsFiles[0]}) ` +
              `or run again with --accept-new-host-keys to trust it on first use.`,
          ),
        )
        return false
      case 'changed':
        reject(
          new KvmplayError(
            'hostkey',
            `${t.host}: HOST KEY OF ${name} HAS CHANGED (it differs from ${verdict.entry.file}:${verdict.entry.line}); refusing to connect. ` +
              `Someone could be intercepting the connection, or the host was reinstalled. If you know why, remove the old key ` +
              `(ssh-keygen -R ${name} -f ${verdict.entry.file}) and connect again.`,
          ),
        )
        return false
      case 'revoked':
        reject(new KvmplayError('hostkey', `${t.host}: host key of ${name} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect.`))
        return false
    }
  }
}

function runOnChannel(client: Client, t: SshTarget, command: string, opts: ExecOptions, closed: () => Error | undefined): Promise<ExecResult> {
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
const LONGEST_ARGUMENT = 64 * 1024

/** The connection's long-lived shell (shell-session.ts), on a channel of its own. */
function shellChannel(client: Client, t: SshTarget): Promise<ShellChannel> {
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

/**
 * The authentication methods to try, in order, without ssh2's opening 'none'
 * attempt (which only asks the server for its list): one round trip less
 * per login, and every host is logged in to twice in a cutover.
 */
function authMethods(t: SshTarget): string[] | undefined {
  const methods = [
    ...(t.privateKeyPath ? ['publickey'] : []),
    ...(!t.privateKeyPath && process.env.SSH_AUTH_SOCK ? ['agent'] : []),
    ...(t.password !== undefined ? ['password'] : []),
  ]
  return methods.length ? methods : undefined
}

/** Each key file is read once per run, however many hosts and logins use it. */
const keys = new Map<string, Promise<string>>()
function readKey(t: SshTarget, path: string): Promise<string> {
  if (!keys.has(path)) keys.set(path, readFile(path, 'utf8'))
  return keys.get(path)!.catch((e: Error) => {
    throw new KvmplayError('connect', `${t.host}: cannot read the private key ${path}: ${e.message} — check ansible_ssh_private_key_file`)
  })
}

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
