/**
 * Jump hosts: one SSH connection per jump host (per chain of them), shared
 * by every host behind it, each host's connection a direct-tcpip channel
 * (ssh2 forwardOut) through it — the jump host's sshd sees one login, not
 * one per host. A hop's connection goes through the hops before it the same
 * way. A connection that closes leaves the pool, so the next host (or a
 * cutover's reconnect) opens it anew; a failed one is not remembered either.
 * closeJumpHosts() ends them all at the end of the run.
 */
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Client } from 'ssh2'
import { KvmplayError } from '../core/errors.ts'
import { coalescingSocket } from './coalescing-socket.ts'
import { pacedLogin } from './handshakes.ts'
import { endClient } from './end-client.ts'
import type { SshEndpoint } from './jump-chain.ts'

const pool = new Map<string, Promise<Client>>()

const hopName = (e: SshEndpoint) => `${e.user}@${e.address}:${e.port}`
const chainKey = (chain: SshEndpoint[]) => chain.map(hopName).join(' > ')

/** ` through jump host a, jump host b`: how a stream gets to its sshd, for messages. */
export const through = (chain: SshEndpoint[]) => (chain.length ? ` through ${chain.map((e) => e.host).join(', ')}` : '')

/** A TCP socket to an sshd (the host's, or the first jump host's). */
export function tcpTo(address: string, port: number): Socket {
  const sock = coalescingSocket(address, port)
  // Without it, Nagle's algorithm holds a command's second small packet (its
  // stdin, its EOF) until the host's delayed ACK: ~40 ms per exchange, 88 ms
  // per command with stdin instead of 4 (measured on the lab).
  sock.setNoDelay(true)
  sock.setMaxListeners(0)
  return sock
}

/** A channel from the last hop of `chain` to address:port, within `timeoutMs` (the hop's sshd may wait long on an unreachable address). */
function forwardOut(client: Client, last: SshEndpoint, address: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new KvmplayError('connect', `${last.host} did not open a connection to ${address}:${port} within ${timeoutMs / 1000} s`)), timeoutMs)
    client.forwardOut('127.0.0.1', 0, address, port, (err, stream) => {
      clearTimeout(timer)
      if (err) reject(new KvmplayError('connect', `${last.host} cannot open a connection to ${address}:${port}: ${err.message}`))
      else resolve(stream)
    })
  })
}

/** The shared connection to the last hop of `chain`, opened through the hops before it. */
function jumpClient(chain: SshEndpoint[]): Promise<Client> {
  const key = chainKey(chain)
  const open = pool.get(key)
  if (open) return open
  const hop = chain[chain.length - 1]
  const before = chain.slice(0, -1)
  // The hops before first, outside this hop's handshake slot: a slot held while waiting for another could wait forever.
  const opening = (before.length ? jumpClient(before) : Promise.resolve())
    .then(() => pacedLogin(hop, () => streamTo(before, hop.address, hop.port, hop.connectTimeoutMs), through(before)))
    .then((ssh) => {
    const client = ssh.connection as Client
    const forget = () => {
      if (pool.get(key) === opening) pool.delete(key)
    }
    client.on('close', forget).on('end', forget).on('error', forget)
    return client
  })
  pool.set(key, opening)
  opening.catch(() => {
    if (pool.get(key) === opening) pool.delete(key)
  })
  return opening
}

/**
 * The chain's connections, opened (or found open) before a host behind it
 * takes a handshake slot: a host holding a slot while its jump host waits
 * for one would wait forever once all slots are taken so.
 */
export async function jumpHostsReady(chain: SshEndpoint[]): Promise<void> {
  if (chain.length) await jumpClient(chain)
}

/** A byte stream to address:port: a TCP socket, or a channel through the chain of jump hosts. */
export async function streamTo(chain: SshEndpoint[], address: string, port: number, timeoutMs: number): Promise<Duplex> {
  if (chain.length === 0) return tcpTo(address, port)
  const client = await jumpClient(chain)
  return forwardOut(client, chain[chain.length - 1], address, port, timeoutMs)
}

/** Ends every jump host connection (the end of the run). */
export async function closeJumpHosts(): Promise<void> {
  const clients = await Promise.allSettled([...pool.values()])
  pool.clear()
  for (const c of clients) if (c.status === 'fulfilled') endClient(c.value)
}
