/** Which login methods kvmplay tries, in which order, and how it reads a key. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { authMethods, readKey } from '../../src/connection/ssh-auth.ts'
import type { SshTarget } from '../../src/connection/target.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const target = (o: Partial<SshTarget> = {}): SshTarget => ({
  kind: 'ssh', host: 'h1', address: '127.0.0.1', port: 22, user: 'root', knownHostsFiles: [], acceptNewHostKeys: false, connectTimeoutMs: 1000, commandTimeoutMs: 1000, ...o,
})

test('a key file first, else the agent; a password after either; none of them: ssh2 decides', () => {
  const agent = process.env.SSH_AUTH_SOCK
  try {
    process.env.SSH_AUTH_SOCK = '/tmp/agent.sock'
    assert.equal(authMethods(target({ privateKeyPath: '/k' })), ['publickey'], 'a key file given: the agent is not asked')
    assert.equal(authMethods(target()), ['agent'])
    assert.equal(authMethods(target({ password: 'x' })), ['agent', 'password'])
    delete process.env.SSH_AUTH_SOCK
    assert.equal(authMethods(target({ password: 'x' })), ['password'])
    assert.is(authMethods(target()), undefined)
  } finally {
    if (agent === undefined) delete process.env.SSH_AUTH_SOCK
    else process.env.SSH_AUTH_SOCK = agent
  }
})

test('a key that cannot be read names the file and the inventory variable; once it exists it is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-key-'))
  try {
    const path = join(dir, 'id_ed25519')
    const msg = await rejectionMessageOf('connect', readKey(target(), path))
    assert.match(msg, `h1: cannot read the private key ${path}`)
    assert.match(msg, 'ansible_ssh_private_key_file')
    writeFileSync(path, 'KEY\n')
    assert.is(await readKey(target(), path), 'KEY\n', 'a failed read is not remembered')
    writeFileSync(path, 'CHANGED\n')
    assert.is(await readKey(target(), path), 'KEY\n', 'a key read once is read once per run')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
