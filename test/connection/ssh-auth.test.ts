/** Which login methods kvmplay tries, in which order, and how it reads a key. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { authMethods, readKey } from '../../src/connection/ssh-auth.ts'
import type { SshTarget } from '../../src/connection/target.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { sshTarget } from '../helpers/ssh-target.ts'

const target = (o: Partial<SshTarget> = {}): SshTarget => sshTarget(o)

test('the key files in order, then the agent (not with IdentitiesOnly), then a password; none of them: ssh2 decides', () => {
  const agent = '/tmp/agent.sock'
  assert.equal(authMethods(target({ identityFiles: ['/k1', '/k2'], agent })), ['publickey', 'publickey', 'agent'])
  assert.equal(authMethods(target({ identityFiles: ['/k'], agent, identitiesOnly: true })), ['publickey'], 'IdentitiesOnly: the agent is not asked')
  assert.equal(authMethods(target({ agent })), ['agent'])
  assert.equal(authMethods(target({ agent, password: 'x' })), ['agent', 'password'])
  assert.equal(authMethods(target({ password: 'x' })), ['password'])
  assert.is(authMethods(target()), undefined)
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
