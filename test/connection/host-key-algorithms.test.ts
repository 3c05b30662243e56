/** The order of host key algorithms offered: those of the key types known for the host first, as ssh's order_hostkeyalgs. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_HOST_KEY_ALGORITHMS as D, preferKnownKeyTypes } from '../../src/connection/host-key-algorithms.ts'

test('nothing known: the list as it is', () => {
  assert.equal(preferKnownKeyTypes(D, new Set()), [...D])
})

test('a known ecdsa key puts its curve first (only its curve), the rest after in their order', () => {
  assert.equal(preferKnownKeyTypes(D, new Set(['ecdsa-sha2-nistp384'])), [
    'ecdsa-sha2-nistp384',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
  ])
})

test('a known RSA key puts every algorithm that verifies it first: rsa-sha2-512, rsa-sha2-256, ssh-rsa', () => {
  assert.equal(preferKnownKeyTypes(D, new Set(['ssh-rsa'])).slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
})

test('several known types keep the list order among themselves; a type the list lacks adds nothing', () => {
  assert.equal(preferKnownKeyTypes(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-256'], new Set(['ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-dss'])), [
    'ecdsa-sha2-nistp256',
    'rsa-sha2-256',
    'ssh-ed25519',
  ])
})

test.run()
