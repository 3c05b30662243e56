/** What is printed never shows a vaulted value: itself, any of its lines, or its JSON form; a value too short to mask is left. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hideVaultValues, VAULT_MASK } from '../../src/commands/vault-redact.ts'
import { rememberVaultValue } from '../../src/inventory/vault.ts'

test('a vaulted value, each line of a multi-line one, and its JSON escapes are masked; a short one is not', () => {
  rememberVaultValue('hunter2-long')
  rememberVaultValue('vaulted line one\nvaulted "quoted" line two\n')
  rememberVaultValue('yes')
  assert.is(hideVaultValues('become with hunter2-long now'), `become with ${VAULT_MASK} now`)
  assert.is(hideVaultValues('+vaulted "quoted" line two'), `+${VAULT_MASK}`)
  assert.is(hideVaultValues(JSON.stringify({ content: 'vaulted line one\nvaulted "quoted" line two\n' })), `{"content":"${VAULT_MASK}\\n"}`)
  assert.is(hideVaultValues('yes, 3 hosts'), 'yes, 3 hosts')
})

test.run()
