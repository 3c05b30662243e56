import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHmac } from 'node:crypto'
import { knownKeyTypes, parseKnownHosts, verifyHostKey, hostKeyName, keyTypeOf } from '../../src/connection/known-hosts.ts'

/** An SSH wire-format public key blob: string type, then key bytes. */
function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type)
  const b = Buffer.from(body)
  const len = (n: number) => Buffer.from([0, 0, 0, n])
  return Buffer.concat([len(t.length), t, len(b.length), b])
}
const K1 = blob('ssh-ed25519', 'key-one-32-bytes-long-1234567890')
const K2 = blob('ssh-ed25519', 'key-two-32-bytes-long-1234567890')
const R1 = blob('ssh-rsa', 'rsa-key')

test('a plain entry for the address matches its key; another key of the same type is a change', () => {
  const entries = parseKnownHosts(`198.18.1.2 ssh-ed25519 ${K1.toString('base64')}\n`)
  assert.is(verifyHostKey(entries, '198.18.1.2', K1).status, 'known')
  assert.is(verifyHostKey(entries, '198.18.1.2', K2).status, 'changed')
  assert.is(verifyHostKey(entries, '198.18.1.3', K1).status, 'unknown')
})

test('a key of a type not on file is unknown, not changed (as ssh does)', () => {
  const entries = parseKnownHosts(`198.18.1.2 ssh-ed25519 ${K1.toString('base64')}\n`)
  assert.is(verifyHostKey(entries, '198.18.1.2', R1).status, 'unknown')
})

test('non-22 ports are looked up as [host]:port', () => {
  assert.is(hostKeyName('h1', 22), 'h1')
  assert.is(hostKeyName('h1', 2222), '[h1]:2222')
  const entries = parseKnownHosts(`[h1]:2222 ssh-ed25519 ${K1.toString('base64')}\n`)
  assert.is(verifyHostKey(entries, '[h1]:2222', K1).status, 'known')
  assert.is(verifyHostKey(entries, 'h1', K1).status, 'unknown')
})

test('hashed entries (HashKnownHosts) match by HMAC-SHA1', () => {
  const salt = Buffer.from('0123456789abcdef0123')
  const hash = createHmac('sha1', salt).update('198.18.4.2').digest('base64')
  const entries = parseKnownHosts(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${K1.toString('base64')}\n`)
  assert.is(verifyHostKey(entries, '198.18.4.2', K1).status, 'known')
  assert.is(verifyHostKey(entries, '198.18.4.3', K1).status, 'unknown')
})

test('wildcards, negation, comments, several names per line, @revoked', () => {
  const text = [
    '# comment',
    '',
    `198.18.*,!198.18.9.2 ssh-ed25519 ${K1.toString('base64')} lab`,
    `@revoked * ssh-ed25519 ${K2.toString('base64')}`,
  ].join('\n')
  const entries = parseKnownHosts(text)
  assert.is(verifyHostKey(entries, '198.18.7.2', K1).status, 'known')
  assert.is(verifyHostKey(entries, '198.18.9.2', K1).status, 'unknown')
  assert.is(verifyHostKey(entries, '198.18.7.2', K2).status, 'revoked')
})

test('@cert-authority vouches for no key: a host it covers whose key is not listed plainly is told apart from an unknown one', () => {
  const entries = parseKnownHosts(`@cert-authority *.example.test ssh-ed25519 ${K2.toString('base64')}\nhv1.example.test ssh-ed25519 ${K1.toString('base64')}\n`, 'kh')
  assert.is(verifyHostKey(entries, 'hv1.example.test', K1).status, 'known')
  assert.equal(verifyHostKey(entries, 'hv2.example.test', K1), { status: 'cert-authority', entry: entries[0] })
  // Even the CA's own key, shown as a host key, is no known host key.
  assert.is(verifyHostKey(entries, 'hv2.example.test', K2).status, 'cert-authority')
  assert.is(verifyHostKey(entries, 'other.test', K1).status, 'unknown')
})

test('the key types known for a host: plain lines that match it, markers aside', () => {
  const text = [
    `198.18.1.2 ssh-ed25519 ${K1.toString('base64')}`,
    `198.18.1.*,!198.18.1.3 ecdsa-sha2-nistp256 ${K2.toString('base64')}`,
    `@revoked 198.18.1.2 ssh-rsa ${R1.toString('base64')}`,
    `@cert-authority * ssh-dss ${R1.toString('base64')}`,
  ].join('\n')
  const entries = parseKnownHosts(text)
  assert.equal([...knownKeyTypes(entries, '198.18.1.2')], ['ssh-ed25519', 'ecdsa-sha2-nistp256'])
  assert.equal([...knownKeyTypes(entries, '198.18.1.3')], [])
})

test('the key type is read from the blob', () => {
  assert.is(keyTypeOf(K1), 'ssh-ed25519')
})

test.run()
