/**
 * Pacing of new SSH connections. sshd drops handshakes beyond MaxStartups
 * (default 10:30:100: from 10 unauthenticated connections on, 30 % of new
 * ones are dropped, all of them from 100), and a controller that opens a
 * fleet's connections all at once also starves its own CPU of the key
 * exchanges. So at most PER_SERVER handshakes are in flight to any one sshd
 * and at most `total` in all (--max-handshakes); one the server dropped
 * before showing its host key is tried again, a few times, with backoff.
 */
import type { Duplex } from 'node:stream'
import type { NodeSSH } from 'node-ssh'
import pLimit from 'p-limit'
import type { LimitFunction } from 'p-limit'
import { login, LoginError } from './ssh-login.ts'
import type { SshEndpoint } from './jump-chain.ts'

/** Under sshd's default MaxStartups start (10). */
export const PER_SERVER = 8
/** In all: enough that a 20–60 host fleet does not queue behind it (16 cost the migration 9 % at 20 hosts, bench/ab.sh); the per-sshd limit is what MaxStartups needs. */
export const DEFAULT_MAX_HANDSHAKES = 64
/** Waits before the 2nd, 3rd and 4th try of a dropped handshake. */
const BACKOFF_MS = [250, 1000, 3000]

let total: LimitFunction = pLimit(DEFAULT_MAX_HANDSHAKES)
const perServer = new Map<string, LimitFunction>()

/** --max-handshakes: how many handshakes may be in flight at once, in all. */
export function setMaxHandshakes(n: number): void {
  // Two at least: a jump host's login may need the hop before it opened again while it holds a slot.
  total = pLimit(Math.max(2, Math.floor(n)))
}

function serverLimit(key: string): LimitFunction {
  let l = perServer.get(key)
  if (!l) perServer.set(key, (l = pLimit(PER_SERVER)))
  return l
}

/**
 * Logs in to `t` over a stream from `open` (called again for each try),
 * within the pacing limits, trying a dropped handshake again.
 */
export async function pacedLogin(t: SshEndpoint, open: () => Promise<Duplex>, via = '', backoff = BACKOFF_MS): Promise<NodeSSH> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await serverLimit(`${t.address}:${t.port}`)(() => total(async () => login(t, open, via)))
    } catch (err) {
      if (!(err instanceof LoginError && err.dropped)) throw err
      if (attempt >= backoff.length) {
        const why = ` (the server closed ${attempt + 1} tries before showing its host key: its MaxStartups? try a lower --max-handshakes)`
        throw new LoginError('connect', err.message + why, true, err)
      }
      await new Promise((resolve) => setTimeout(resolve, backoff[attempt]))
    }
  }
}
