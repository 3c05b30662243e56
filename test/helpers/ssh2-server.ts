/**
 * An in-process SSH server (ssh2's own Server) on 127.0.0.1, for tests of the
 * login itself: it needs neither root nor sshd, shows whichever of the host
 * keys it is given the client asks for, and lets anyone in by password.
 * Nothing runs on it unless the test says how it answers an exec request.
 */
import type { AddressInfo } from 'node:net'
// ssh2 is CommonJS whose exports Node cannot name statically: its default export is the module.
import ssh2 from 'ssh2'

const { Server, utils } = ssh2

export interface HostKeyPair {
  private: string
  /** `type base64`: the key part of a known_hosts line. */
  public: string
}

export function hostKeyPair(type: 'ed25519' | 'ecdsa'): HostKeyPair {
  const pair = type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519')
  return { private: pair.private, public: pair.public.split(' ').slice(0, 2).join(' ') }
}

export interface Ssh2Server {
  port: number
  close: () => Promise<void>
}

/** How the server answers an exec request: the command, and the accepted channel to answer on (stdout, stderr, exit, end). */
export type ExecAnswer = (command: string, channel: import('ssh2').ServerChannel) => void

/** `exec`, where given, serves exec requests (and only those); else nothing runs on the server. */
export async function startSsh2Server(hostKeys: HostKeyPair[], exec?: ExecAnswer): Promise<Ssh2Server> {
  const server = new Server({ hostKeys: hostKeys.map((k) => k.private) }, (client) => {
    client.on('authentication', (ctx) => ctx.accept())
    if (exec) client.on('session', (accept) => accept().on('exec', (acceptExec, _reject, info) => exec(info.command, acceptExec())))
    // A client that goes away mid-handshake (a refused host key) is no error of the server's.
    client.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
