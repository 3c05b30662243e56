/**
 * The login against a server with two host keys (ed25519 and ecdsa, as most
 * sshds have), ssh2's own server in this process on 127.0.0.1: the key the
 * server shows is the one known_hosts knows, as with ssh — a host known by its
 * ecdsa key is let in, and accept-new records nothing beside that key.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { login } from '../../src/connection/ssh-login.ts'
import type { SshEndpoint } from '../../src/connection/jump-chain.ts'
import { parseHostKeyAlgorithms } from '../../src/connection/ssh-config/host-key-algorithms.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { sshTarget } from '../helpers/ssh-target.ts'
import { hostKeyPair, startSsh2Server } from '../helpers/ssh2-server.ts'
import type { Ssh2Server } from '../helpers/ssh2-server.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('ssh-login')
const ed25519 = hostKeyPair('ed25519')
const ecdsa = hostKeyPair('ecdsa')
let server: Ssh2Server | undefined
const started = () => (server ? Promise.resolve(server) : startSsh2Server([ed25519, ecdsa]).then((s) => (server = s)))

test.after(async () => {
  await server?.close()
  temp.removeAll()
})

/** A known_hosts file holding `lines` for the server, and an endpoint that checks against it. */
async function endpoint(lines: string[], over: Partial<SshEndpoint> = {}) {
  const s = await started()
  const knownHosts = join(temp.make(), 'known_hosts')
  writeFileSync(knownHosts, lines.map((l) => `[127.0.0.1]:${s.port} ${l}\n`).join(''))
  const t = sshTarget({ port: s.port, user: 'kvmplay', password: 'any', knownHostsFiles: [knownHosts], ...over })
  return { t, knownHosts, read: () => readFileSync(knownHosts, 'utf8') }
}

/** Logs in and out; rejects as the login does. */
async function logInOut(t: SshEndpoint) {
  const ssh = await login(t, async () => connect(t.port, t.address))
  ssh.dispose()
}

test('a host known only by its ecdsa key is let in, though it has an ed25519 key too', async () => {
  const { t } = await endpoint([ecdsa.public])
  await logInOut(t)
})

test('with accept-new, a host known by its ecdsa key gets no second key recorded', async () => {
  const { t, read } = await endpoint([ecdsa.public], { acceptNewHostKeys: true })
  const before = read()
  await logInOut(t)
  assert.is(read(), before)
})

test('a host known by its ed25519 key is let in as before; one not known at all records the first of the default order', async () => {
  await logInOut((await endpoint([ed25519.public])).t)
  const unknown = await endpoint([], { acceptNewHostKeys: true })
  await logInOut(unknown.t)
  assert.match(unknown.read(), `]:${unknown.t.port} ${ed25519.public}\n`)
})

test('HostKeyAlgorithms with ^ is taken as given: the ed25519 key is shown, and refused as unknown', async () => {
  const { t } = await endpoint([ecdsa.public], { hostKeyAlgorithms: parseHostKeyAlgorithms('^ssh-ed25519', (w) => new Error(w)) })
  assert.match(await rejectionMessageOf('hostkey', logInOut(t)), '(ssh-ed25519) is not in')
})

test('HostKeyAlias: the key is looked up under the alias, and accept-new records it so', async () => {
  const { t, knownHosts, read } = await endpoint([], { hostKeyAlias: 'hv1.example' })
  writeFileSync(knownHosts, `hv1.example ${ecdsa.public}\n`)
  await logInOut(t)
  const fresh = await endpoint([], { hostKeyAlias: 'hv2.example', acceptNewHostKeys: true })
  await logInOut(fresh.t)
  assert.is(fresh.read(), `hv2.example ${ed25519.public}\n`)
  assert.is(read(), `hv1.example ${ecdsa.public}\n`)
})

test.run()
