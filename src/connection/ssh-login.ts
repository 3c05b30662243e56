/**
 * One SSH login over a byte stream that is already on its way to the sshd
 * (a TCP socket, or a channel through a jump host): host key algorithms
 * offered and the host key checked before authentication (host-key-policy.ts), the keys and agent of ssh-auth.ts,
 * ServerAlive keepalives. A failure says who could not be reached, how, and
 * what to check; it says too whether the server dropped the connection
 * before its host key was even seen (what sshd's MaxStartups does to
 * handshakes beyond its limit), which is worth another try.
 */
import type { Duplex } from 'node:stream'
import { NodeSSH } from 'node-ssh'
import { KvmplayError } from '../core/errors.ts'
import { hostKeyPolicy } from './host-key-policy.ts'
import { authList } from './ssh-auth.ts'
import type { SshEndpoint } from './jump-chain.ts'

export class LoginError extends KvmplayError {
  /** The server went away before kex got as far as its host key: nothing was refused, try again. */
  readonly dropped: boolean
  constructor(kind: 'connect' | 'hostkey', message: string, dropped: boolean, cause?: unknown) {
    super(kind, message, { cause })
    this.dropped = dropped
  }
}

/** Failures that another try will not mend: nobody listens, no route, a timeout (already long). */
const FINAL = /timed out|ETIMEDOUT|EHOSTUNREACH|ECONNREFUSED|ENETUNREACH|ENOTFOUND|EAI_AGAIN|authentication/i

/** `via`: how the stream got there, for messages (` through jump host b`). */
export async function login(t: SshEndpoint, open: () => Promise<Duplex>, via = ''): Promise<NodeSSH> {
  const ssh = new NodeSSH()
  let refusal: KvmplayError | undefined
  let sawHostKey = false
  const hostKeys = hostKeyPolicy(t, (e) => (refusal = e))
  // The keys first, the stream after: from a socket's creation to ssh2's
  // listeners on it nothing may wait, or a refused connection's 'error' goes
  // unheard and ends the process.
  const auth = await authList(t)
  const sock = await open()
  try {
    await ssh.connect({
      authHandler: auth,
      sock,
      host: t.address,
      port: t.port,
      username: t.user,
      agent: t.agent,
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: t.keepaliveIntervalMs,
      keepaliveCountMax: t.keepaliveCountMax,
      algorithms: { serverHostKey: hostKeys.algorithms },
      hostVerifier: (key: Buffer) => {
        sawHostKey = true
        return hostKeys.verify(key)
      },
    } as Parameters<NodeSSH['connect']>[0])
    return ssh
  } catch (err) {
    ssh.dispose()
    sock.destroy()
    if (refusal) throw new LoginError('hostkey', refusal.message, false, err)
    const msg = (err as Error).message
    const hint = /authentication/i.test(msg)
      ? t.host.startsWith('jump host')
        ? ` — check the User and IdentityFile of ${t.host.slice('jump host '.length)} in your ssh_config (or your ssh-agent)`
        : ` — check ansible_user and ansible_ssh_private_key_file (or your ssh_config, or your ssh-agent)`
      : /timed out|ETIMEDOUT|EHOSTUNREACH|ECONNREFUSED|ENETUNREACH|Connection refused/i.test(msg)
        ? ` — is the host up and sshd listening on port ${t.port}?`
        : ''
    const dropped = !sawHostKey && !FINAL.test(msg)
    throw new LoginError('connect', `${t.host}: cannot connect to ${t.user}@${t.address}:${t.port}${via}: ${msg}${hint}`, dropped, err)
  }
}
