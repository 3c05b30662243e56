/**
 * Where the vault passwords come from, as Ansible reads them: a file (its
 * content stripped), an executable (its stdout; a `*-client` one told the
 * label), `label@source`, ANSIBLE_VAULT_PASSWORD_FILE; in Ansible's order.
 * A missing, empty or failing source is bad input that names it.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { vaultSecrets } from '../../src/commands/vault-passwords.ts'
import { tempDirs } from '../helpers/temp.ts'
import { writeTree } from '../helpers/inventory-tree.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const temp = tempDirs('vault-passwords')
const dir = writeTree(temp.make(), {
  plain: '  from a file \n\n',
  'script.sh': '#!/bin/sh\nprintf "from a script  \\r\\n"\n',
  'keyring-client.sh': '#!/bin/sh\n[ "$1" = --vault-id ] && printf "client for %s\\n" "$2"\n',
  empty: '\n',
  'fails.sh': '#!/bin/sh\necho "no keyring here" >&2\nexit 3\n',
})
const at = (name: string) => join(dir, name)
const text = (secrets: { id: string; password: Buffer }[]) => secrets.map((s) => [s.id, s.password.toString()])

test("a file's content stripped, a script's output without its line end, a client script told its label; --vault-id first, as Ansible orders them", async () => {
  const secrets = await vaultSecrets({ vaultPasswordFile: [at('plain'), at('script.sh')], vaultId: ['lab@' + at('keyring-client.sh'), at('plain')] }, {})
  assert.equal(text(secrets), [
    ['lab', 'client for lab'],
    ['default', 'from a file'],
    ['default', 'from a file'],
    ['default', 'from a script  '],
  ])
})

test('ANSIBLE_VAULT_IDENTITY_LIST before the flags, ANSIBLE_VAULT_PASSWORD_FILE after them; none given: no passwords', async () => {
  assert.equal(text(await vaultSecrets({}, { ANSIBLE_VAULT_PASSWORD_FILE: at('plain') })), [['default', 'from a file']])
  const env = { ANSIBLE_VAULT_IDENTITY_LIST: `ops@${at('script.sh')}, ${at('plain')}`, ANSIBLE_VAULT_PASSWORD_FILE: at('script.sh') }
  assert.equal(text(await vaultSecrets({ vaultId: [`lab@${at('plain')}`] }, env)), [
    ['ops', 'from a script  '],
    ['default', 'from a file'],
    ['lab', 'from a file'],
    ['default', 'from a script  '],
  ])
  assert.equal(await vaultSecrets({}, {}), [])
})

test('a missing, empty or failing source is bad input naming it', async () => {
  const cases: [Parameters<typeof vaultSecrets>[0], string][] = [
    [{ vaultPasswordFile: [at('nope')] }, `--vault-password-file ${at('nope')}: the vault password file ${at('nope')} was not found`],
    [{ vaultId: [`lab@${at('empty')}`] }, `--vault-id lab@${at('empty')}: the vault password is empty`],
    [{ vaultPasswordFile: [at('fails.sh')] }, `--vault-password-file ${at('fails.sh')}: the vault password script failed (exit 3): no keyring here`],
  ]
  for (const [args, message] of cases) assert.is(await rejectionMessageOf('usage', vaultSecrets(args, {})), message)
})

test.after(temp.removeAll)
test.run()
