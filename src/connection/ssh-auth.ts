/**
 * How kvmplay logs in, as ssh would from its config: each IdentityFile's key
 * in order, then the agent's keys (IdentityAgent, else SSH_AUTH_SOCK) unless
 * IdentitiesOnly, then a password if the inventory has one — without ssh2's
 * opening 'none' attempt (which only asks the server for its list): one
 * round trip less per login, and every host is logged in to twice in a
 * cutover. Private keys are read once per run.
 */
import { readFile } from 'node:fs/promises'
import { KvmplayError } from '../core/errors.ts'
import type { SshEndpoint } from './jump-chain.ts'

export type AuthMethod =
  | { type: 'publickey'; username: string; key: string }
  | { type: 'agent'; username: string; agent: string }
  | { type: 'password'; username: string; password: string }

/** The names of the methods tried, in order (for messages and tests). */
export function authMethods(t: SshEndpoint): string[] | undefined {
  const methods = [
    ...t.identityFiles.map(() => 'publickey'),
    ...(t.agent && !(t.identitiesOnly && t.identityFiles.length) ? ['agent'] : []),
    ...(t.password !== undefined ? ['password'] : []),
  ]
  return methods.length ? methods : undefined
}

/** ssh2's auth list for the endpoint: every key read first, so a key that cannot be read fails before the login starts. */
export async function authList(t: SshEndpoint): Promise<AuthMethod[] | undefined> {
  const names = authMethods(t)
  if (!names) return undefined
  const keys = await Promise.all(t.identityFiles.map((f) => readKey(t, f)))
  return [
    ...keys.map((key) => ({ type: 'publickey' as const, username: t.user, key })),
    ...(names.includes('agent') ? [{ type: 'agent' as const, username: t.user, agent: t.agent! }] : []),
    ...(t.password !== undefined ? [{ type: 'password' as const, username: t.user, password: t.password }] : []),
  ]
}

/** Each key file is read once per run, however many hosts and logins use it; a failed read is tried again next time. */
const keys = new Map<string, Promise<string>>()
export function readKey(t: Pick<SshEndpoint, 'host'>, path: string): Promise<string> {
  if (!keys.has(path)) keys.set(path, readFile(path, 'utf8'))
  const read = keys.get(path)!
  return read.catch((e: Error) => {
    if (keys.get(path) === read) keys.delete(path)
    throw new KvmplayError('connect', `${t.host}: cannot read the private key ${path}: ${e.message} — check ansible_ssh_private_key_file (or IdentityFile in your ssh_config)`)
  })
}
