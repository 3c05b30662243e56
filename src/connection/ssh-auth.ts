/** How kvmplay logs in: which methods, in which order, and the private keys they use (read once per run). */
import { readFile } from 'node:fs/promises'
import { KvmplayError } from '../core/errors.ts'
import type { SshTarget } from './target.ts'

/**
 * The authentication methods to try, in order, without ssh2's opening 'none'
 * attempt (which only asks the server for its list): one round trip less
 * per login, and every host is logged in to twice in a cutover.
 */
export function authMethods(t: SshTarget): string[] | undefined {
  const methods = [
    ...(t.privateKeyPath ? ['publickey'] : []),
    ...(!t.privateKeyPath && process.env.SSH_AUTH_SOCK ? ['agent'] : []),
    ...(t.password !== undefined ? ['password'] : []),
  ]
  return methods.length ? methods : undefined
}

/** Each key file is read once per run, however many hosts and logins use it; a failed read is tried again next time. */
const keys = new Map<string, Promise<string>>()
export function readKey(t: SshTarget, path: string): Promise<string> {
  if (!keys.has(path)) keys.set(path, readFile(path, 'utf8'))
  const read = keys.get(path)!
  return read.catch((e: Error) => {
    if (keys.get(path) === read) keys.delete(path)
    throw new KvmplayError('connect', `${t.host}: cannot read the private key ${path}: ${e.message} — check ansible_ssh_private_key_file`)
  })
}
