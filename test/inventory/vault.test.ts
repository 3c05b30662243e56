/**
 * ansible-vault, as the real ansible-vault writes it: values (encrypt_string,
 * 1.1 and 1.2 with a vault id) and whole files (encrypt), decrypted by
 * kvmplay; an inventory with vaulted values and vaulted group_vars/host_vars
 * files gives the vars ansible-inventory gives; a wrong or missing password
 * is an inventory error that names the variable or the file, never the value.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decryptVault } from '../../src/inventory/vault.ts'
import type { VaultSecret } from '../../src/inventory/vault.ts'
import { loadInventory } from '../../src/inventory/index.ts'
import { tempDirs } from '../helpers/temp.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { vaultFile, vaultString, vaultYaml } from '../helpers/ansible.ts'
import { sameAsAnsible, writeTree } from '../helpers/inventory-tree.ts'

const temp = tempDirs('vault')
const dir = temp.make()
const PASSWORDS = { default: 'correct horse', lab: 'pässwörd ☃' }
const pwFile = (id: keyof typeof PASSWORDS) => {
  const path = join(dir, `pw-${id}`)
  writeFileSync(path, `${PASSWORDS[id]}\n`)
  return path
}
const secret = (id: keyof typeof PASSWORDS): VaultSecret => ({ id, password: Buffer.from(PASSWORDS[id]) })
const BOTH = [secret('default'), secret('lab')]

test('values from ansible-vault encrypt_string: 1.1, and 1.2 with a vault id; non-ASCII, several lines, a non-ASCII password', () => {
  for (const plain of ['hunter2', 'ünïcödé ☃ 𝄞', 'line one\nline two\n', 'x'.repeat(100)]) {
    assert.is(decryptVault(vaultString(plain, pwFile('default')), BOTH, 'v'), plain)
    const labelled = vaultString(plain, pwFile('lab'), 'lab')
    assert.match(labelled, /^\$ANSIBLE_VAULT;1\.2;AES256;lab\n/)
    assert.is(decryptVault(labelled, BOTH, 'v'), plain)
  }
})

test('a file from ansible-vault encrypt decrypts to what it was, byte for byte', () => {
  const path = join(dir, 'secrets.yml')
  const original = 'db_password: "s3cr3t"\nlist:\n  - ä\n  - b\n'
  writeFileSync(path, original)
  vaultFile(path, pwFile('default'))
  const vaulted = readFileSync(path, 'utf8')
  assert.match(vaulted, /^\$ANSIBLE_VAULT;1\.1;AES256\n[0-9a-f\n]+$/)
  assert.is(decryptVault(vaulted, [secret('default')], path), original)
})

test("a vault id's own password is tried first; any other given is tried after it, as Ansible does", () => {
  const labelled = vaultString('v', pwFile('default'), 'lab')
  // Encrypted with the 'default' password under the id 'lab': the lab secret fails, the other works.
  assert.is(decryptVault(labelled, BOTH, 'v'), 'v')
})

test('a wrong password, or none: an inventory error naming what is vaulted and the flags to give, never the value', () => {
  const text = vaultString('the-plaintext', pwFile('default'))
  const wrong = errorMessageOf('inventory', () => decryptVault(text, [{ id: 'default', password: Buffer.from('nope') }], "variable 'x' (hosts.yml:3)"))
  assert.is(wrong, "variable 'x' (hosts.yml:3): the vault password given does not decrypt it; check --vault-password-file FILE, --ask-vault-pass or --vault-id LABEL@SOURCE")
  const none = errorMessageOf('inventory', () => decryptVault(vaultString('the-plaintext', pwFile('lab'), 'lab'), [], 'vars file g.yml'))
  assert.is(none, "vars file g.yml is vault-encrypted (vault id 'lab') and no vault password was given; give it with --vault-password-file FILE, --ask-vault-pass or --vault-id LABEL@SOURCE")
  const broken = errorMessageOf('inventory', () => decryptVault('$ANSIBLE_VAULT;1.1;AES256\nzz\n', BOTH, 'v'))
  assert.match(broken, 'v: not a valid ansible-vault text (its body is not hex)')
})

/** An inventory with a vaulted value of each kind and each vault id, and the plaintext of each. */
function vaultedInventory() {
  const plain = new Map<string, string>()
  const value = (p: string, id?: 'lab') => {
    const v = vaultString(p, pwFile(id ?? 'default'), id)
    plain.set(v.trim(), p)
    return v
  }
  const root = writeTree(temp.make(), {
    'inv/hosts.yml': `all:
  vars:
    api_token: ${vaultYaml(value('token-from-all'), 4)}  children:
    kvm:
      hosts:
        k1:
          ansible_become_password: ${vaultYaml(value('k1-become', 'lab'), 10)}        k2:
          plain: yes
`,
    'inv/group_vars/kvm.yml': 'db_password: kvm-db-secret\nnested: {a: 1, b: [x]}\nport: 5432\n',
    'inv/host_vars/k2.yml': `k2_secret: ${vaultYaml(value('k2-value', 'lab'), 0)}k2_plain: shown\n`,
    'inv/host_vars/k1/secret.yml': 'k1_file_secret: from-a-vaulted-dir-file\n',
    'inv/host_vars/k1/plain.yml': 'k1_plain: 1\n',
  })
  vaultFile(join(root, 'inv/group_vars/kvm.yml'), pwFile('default'))
  vaultFile(join(root, 'inv/host_vars/k1/secret.yml'), pwFile('lab'), 'lab')
  return { root, plain, inventory: join(root, 'inv/hosts.yml') }
}

test('vaulted values (YAML inventory, host_vars) and vaulted group_vars/host_vars files: the vars ansible-inventory gives, decrypted', async () => {
  const { plain, inventory } = vaultedInventory()
  const ansibleArgs = ['--vault-id', `default@${pwFile('default')}`, '--vault-id', `lab@${pwFile('lab')}`]
  const inv = await sameAsAnsible(inventory, { vault: BOTH, ansibleArgs, plain })
  assert.is(inv.hosts.get('k1')!.vars.ansible_become_password, 'k1-become')
  assert.is(inv.hosts.get('k2')!.vars.db_password, 'kvm-db-secret')
  assert.is(inv.hosts.get('k1')!.vars.k1_file_secret, 'from-a-vaulted-dir-file')
})

test('a dynamic inventory\'s {"__ansible_vault": …} values (Ansible\'s JSON for a vaulted value): the vars ansible-inventory gives, decrypted', async () => {
  const token = vaultString('script-token', pwFile('default'))
  const list = { web: { hosts: ['w1'], vars: { token: { __ansible_vault: token } } }, _meta: { hostvars: { w1: { own: [{ __ansible_vault: token }] } } } }
  const root = writeTree(temp.make(), { 'inv.sh': `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(list)}\nEOF\n` })
  const inv = await sameAsAnsible(join(root, 'inv.sh'), { vault: [secret('default')], ansibleArgs: ['--vault-password-file', pwFile('default')], plain: new Map([[token.trim(), 'script-token']]) })
  assert.equal(inv.hosts.get('w1')!.vars, { token: 'script-token', own: ['script-token'] })
})

test('a wrong vault password names the vaulted file, or the vaulted variable and its file:line; none given: the same, with the flags; never a value', () => {
  const { root, inventory } = vaultedInventory()
  const varsOf = (host: string, vault?: VaultSecret[]) => errorMessageOf('inventory', () => loadInventory(inventory, { vault }).hosts.get(host)!.vars)
  const wrong = (id: 'default' | 'lab') => [{ id, password: Buffer.from('wrong') }, ...BOTH.filter((s) => s.id !== id)]
  const messages = [
    [varsOf('k1', wrong('lab')), `vars file ${join(root, 'inv/host_vars/k1/secret.yml')}: the vault passwords given (2, vault ids: lab, default) do not decrypt it (its vault id: 'lab')`],
    [varsOf('k2', wrong('lab')), `variable 'k2_secret' (${join(root, 'inv/host_vars/k2.yml')}:1): the vault passwords given (2, vault ids: lab, default) do not decrypt it (its vault id: 'lab')`],
    [varsOf('k2', wrong('default')), `vars file ${join(root, 'inv/group_vars/kvm.yml')}: the vault passwords given (2, vault ids: default, lab) do not decrypt it;`],
    [varsOf('k2'), `vars file ${join(root, 'inv/group_vars/kvm.yml')} is vault-encrypted and no vault password was given; give it with --vault-password-file FILE, --ask-vault-pass or --vault-id LABEL@SOURCE`],
  ]
  // A value in the inventory file itself, named by its line there.
  writeFileSync(inventory, `all:\n  hosts:\n    x:\n      token: ${vaultYaml(vaultString('t', pwFile('default')), 6)}`)
  messages.push([varsOf('x', wrong('default')), `variable 'token' (${inventory}:4): the vault passwords given`])
  for (const [message, expected] of messages) {
    assert.match(message, expected)
    for (const p of [...Object.values(PASSWORDS), 'kvm-db-secret', 'k1-become', 'k2-value', 'token-from-all', 'from-a-vaulted-dir-file']) assert.not.match(message, p)
  }
})

test("only the hosts whose vars are read need their vault passwords: the others' vaulted values and files stay unread, as Ansible decrypts only what a play uses", () => {
  const root = writeTree(temp.make(), {
    'hosts.yml': `all:\n  children:\n    prod:\n      hosts:\n        p1:\n          become: ${vaultYaml(vaultString('prod-secret', pwFile('lab'), 'lab'), 10)}    staging:\n      hosts:\n        s1:\n`,
    'group_vars/staging.yml': `token: ${vaultYaml(vaultString('staging-secret', pwFile('default')), 0)}`,
    'group_vars/prod.yml': 'x: 1\n',
  })
  vaultFile(join(root, 'group_vars/prod.yml'), pwFile('lab'), 'lab')
  const inv = loadInventory(join(root, 'hosts.yml'), { vault: [secret('default')] })
  assert.is(inv.hosts.get('s1')!.vars.token, 'staging-secret')
  const message = errorMessageOf('inventory', () => inv.hosts.get('p1')!.vars)
  assert.match(message, `vars file ${join(root, 'group_vars/prod.yml')}: the vault password given does not decrypt it (its vault id: 'lab')`)
})

test.after(temp.removeAll)
test.run()
