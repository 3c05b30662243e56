/**
 * Jump hosts and handshake pacing against real OpenSSH sshds on 127.0.0.1:
 * hosts reached through one jump host share its one connection (its sshd
 * logs one login), a chain of two works, a jump host that is down or whose
 * key changed fails its hosts naming it, a handshake the server drops is
 * tried again, and closeJumpHosts ends the shared connection.
 */
import { createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectSsh } from '../../src/connection/ssh.ts'
import { closeJumpHosts, tcpTo } from '../../src/connection/jump-hosts.ts'
import { DEFAULT_MAX_HANDSHAKES, pacedLogin, setMaxHandshakes } from '../../src/connection/handshakes.ts'
import type { SshEndpoint } from '../../src/connection/target.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { sshTarget } from '../helpers/ssh-target.ts'
import { freePort, publicKey, sshdUnable, startSshd, stopSshd } from '../helpers/sshd.ts'
import type { Sshd } from '../helpers/sshd.ts'
import { skipIf } from '../helpers/skip.ts'

const it = skipIf(test, sshdUnable)

let servers: Sshd[] = []
const sshds = async (n: number) => {
  while (servers.length < n) servers.push(await startSshd())
  return servers
}
const proxies: Server[] = []
test.after(async () => {
  await closeJumpHosts()
  for (const p of proxies) p.close()
  for (const s of servers) await stopSshd(s)
  servers = []
})

const endpoint = (s: Sshd, host: string, over: Partial<SshEndpoint> = {}): SshEndpoint => {
  const { kind: _k, jumps: _j, commandTimeoutMs: _c, ...e } = sshTarget({ host, port: s.port, identityFiles: [s.clientKey], knownHostsFiles: [s.knownHosts], ...over })
  return e
}
const logins = (s: Sshd) => s.log().split('\n').filter((l) => l.includes('Accepted publickey')).length

it('three hosts behind one jump host: each reached through it, over one shared login to the jump host', async () => {
  const [jump, target] = await sshds(2)
  const before = logins(jump)
  const j1 = endpoint(jump, 'jump host j1')
  const conns = await Promise.all(['t1', 't2', 't3'].map((h) => connectSsh(sshTarget({ ...endpoint(target, h), jumps: [j1] }))))
  try {
    for (const c of conns) assert.is((await c.exec('echo through')).stdout, 'through\n')
    assert.is(logins(jump) - before, 1, jump.log())
  } finally {
    for (const c of conns) await c.close()
  }
  // A later host (or a cutover's reconnect) goes through the same connection.
  const again = await connectSsh(sshTarget({ ...endpoint(target, 't4'), jumps: [j1] }))
  assert.is((await again.exec('echo again')).stdout, 'again\n')
  await again.close()
  assert.is(logins(jump) - before, 1)
})

it('30 hosts behind a chain of two jump hosts with 2 handshakes in flight at most: all reached, one login to each jump host', async () => {
  const [j1, target, j2] = await sshds(3)
  await closeJumpHosts()
  const before = [logins(j1), logins(j2)]
  setMaxHandshakes(2)
  try {
    const jumps = [endpoint(j1, 'jump host j1'), endpoint(j2, 'jump host j2')]
    const conns = await Promise.all(Array.from({ length: 30 }, (_, i) => connectSsh(sshTarget({ ...endpoint(target, `t${i}`), jumps }))))
    for (const c of conns) await c.close()
    assert.equal([logins(j1) - before[0], logins(j2) - before[1]], [1, 1])
  } finally {
    setMaxHandshakes(DEFAULT_MAX_HANDSHAKES)
  }
})

it('a chain of two jump hosts, each with its own keys and known_hosts', async () => {
  const [j1, target, j2] = await sshds(3)
  const c = await connectSsh(sshTarget({ ...endpoint(target, 't1'), jumps: [endpoint(j1, 'jump host j1'), endpoint(j2, 'jump host j2')] }))
  try {
    assert.is((await c.exec('echo two hops')).stdout, 'two hops\n')
  } finally {
    await c.close()
  }
})

it('a jump host that is down makes its hosts unreachable, naming the jump host', async () => {
  const [, target] = await sshds(2)
  const port = await freePort()
  const down = endpoint(target, 'jump host gone', { port })
  const msg = await rejectionMessageOf('connect', connectSsh(sshTarget({ ...endpoint(target, 't1'), jumps: [down] })))
  assert.match(msg, `t1: jump host gone: cannot connect to`)
  assert.match(msg, `127.0.0.1:${port}`)
  assert.match(msg, 'ECONNREFUSED')
})

it('a jump host whose key changed is refused like any host, and its hosts with it', async () => {
  const [jump, target] = await sshds(2)
  const changed = join(jump.dir, 'known_hosts_changed')
  writeFileSync(changed, `[127.0.0.1]:${jump.port} ${publicKey(jump.strangerKey + '.pub')}\n`)
  await closeJumpHosts()
  const msg = await rejectionMessageOf('hostkey', connectSsh(sshTarget({ ...endpoint(target, 't1'), jumps: [endpoint(jump, 'jump host j1', { knownHostsFiles: [changed] })] })))
  assert.match(msg, 't1: jump host j1: HOST KEY OF')
  assert.match(msg, 'HAS CHANGED')
})

it('a host that the jump host cannot reach fails naming both', async () => {
  const [jump, target] = await sshds(2)
  const port = await freePort()
  const msg = await rejectionMessageOf('connect', connectSsh(sshTarget({ ...endpoint(target, 't9', { port }), jumps: [endpoint(jump, 'jump host j1')] })))
  assert.match(msg, `t9: jump host j1 cannot open a connection to 127.0.0.1:${port}`)
})

/** A TCP proxy to `port` that closes the first `drops` connections at once, as sshd past MaxStartups does. */
async function droppingProxy(port: number, drops: number): Promise<{ port: number; seen: () => number }> {
  let seen = 0
  const server = createServer((c: Socket) => {
    if (seen++ < drops) return c.destroy()
    const up = tcpTo('127.0.0.1', port)
    c.pipe(up).pipe(c)
    up.on('error', () => c.destroy())
    c.on('error', () => up.destroy())
  })
  proxies.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, seen: () => seen }
}

/** The target as reached through a proxy on `port`: its key known under that port. */
function viaProxy(target: Sshd, port: number): SshEndpoint {
  const knownHosts = join(target.dir, `known_hosts_${port}`)
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${target.hostKey}\n`)
  return endpoint(target, 't1', { port, knownHostsFiles: [knownHosts] })
}

it('a handshake the server drops before its host key is tried again, with backoff; after the last try the error says so', async () => {
  const [, target] = await sshds(2)
  const proxy = await droppingProxy(target.port, 2)
  const ssh = await pacedLogin(viaProxy(target, proxy.port), async () => tcpTo('127.0.0.1', proxy.port), '', [10, 10, 10])
  ssh.dispose()
  assert.is(proxy.seen(), 3)
  const worse = await droppingProxy(target.port, 10)
  const msg = await rejectionMessageOf('connect', pacedLogin(viaProxy(target, worse.port), async () => tcpTo('127.0.0.1', worse.port), '', [10, 10]))
  assert.match(msg, 't1: cannot connect to')
  assert.match(msg, 'the server closed 3 tries before showing its host key')
  assert.is(worse.seen(), 3)
})

it('closeJumpHosts ends the shared connection: the jump host sees it go', async () => {
  const [jump, target] = await sshds(2)
  const c = await connectSsh(sshTarget({ ...endpoint(target, 't1'), jumps: [endpoint(jump, 'jump host j1')] }))
  await c.close()
  await closeJumpHosts()
  for (let i = 0; i < 100 && !/Disconnected from user|Received disconnect|Connection closed/.test(jump.log().split('Accepted publickey').pop()!); i++) await new Promise((r) => setTimeout(r, 50))
  assert.match(jump.log().split('Accepted publickey').pop()!, /Disconnected from user|Received disconnect|Connection closed/)
})

test.run()
