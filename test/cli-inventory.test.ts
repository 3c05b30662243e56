/**
 * `kvmplay run` on hosts of this machine (ansible_connection: local) with an
 * inventory as an Ansible user keeps it: a directory with host_vars/ and a
 * vaulted group_vars/ file, a vaulted value, group_vars/ beside the playbook,
 * the vault password from an executable --vault-password-file. The values
 * reach the hosts decrypted; -v, --diff and --json never show them; a wrong
 * password is bad input naming the vaulted variable, and nothing is written.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, kvmplay } from './helpers/cli.ts'
import { tempDirs } from './helpers/temp.ts'
import { writeTree } from './helpers/inventory-tree.ts'
import { vaultFile, vaultString, vaultYaml } from './helpers/ansible.ts'

const temp = tempDirs('cli-inventory')
const root = temp.make()
const out = join(root, 'out')
writeTree(root, {
  'pw-script': '#!/bin/sh\necho "vault pass from a script"\n',
  'pw-plain': 'vault pass from a script\n',
  'pw-wrong': 'not it\n',
  'inv/hosts.yml': `all:\n  vars:\n    ansible_connection: local\n    out: ${out}\n  hosts:\n    h1:\n    h2:\n`,
  'inv/group_vars/all.yml': 'greeting: from-group-vars\ndb_password: group-secret-value\n',
  'play/group_vars/all.yml': 'note: beside-the-playbook\n',
  'play/vars.play.ts': `import { playbook } from 'kvmplay'
import { file } from 'kvmplay/tasks'

export default playbook({
  name: 'inventory vars',
  hosts: 'all',
  tasks: (host) => [file({ path: \`\${host.vars.out}/\${host.name}.txt\`, content: \`\${host.vars.greeting} \${host.vars.db_password} \${host.vars.note}\\n\` })],
})
`,
})
vaultFile(join(root, 'inv/group_vars/all.yml'), join(root, 'pw-plain'))
writeTree(root, { 'inv/host_vars/h1.yml': `greeting: from-host-vars\ndb_password: ${vaultYaml(vaultString('h1-vaulted-secret', join(root, 'pw-plain')), 0)}` })

const run = (...args: string[]) => kvmplay(['run', join(root, 'play/vars.play.ts'), '-i', join(root, 'inv'), ...args])
const SECRETS = ['h1-vaulted-secret', 'group-secret-value', 'vault pass from a script']

test('host_vars, a vaulted value, a vaulted group_vars file and group_vars beside the playbook reach the hosts; -v --diff shows none of the secrets', () => {
  rmSync(out, { recursive: true, force: true })
  const res = run('--vault-password-file', join(root, 'pw-script'), '-v', '--diff')
  assert.is(res.code, 0, res.out + res.err)
  assert.is(readFileSync(join(out, 'h1.txt'), 'utf8'), 'from-host-vars h1-vaulted-secret beside-the-playbook\n')
  assert.is(readFileSync(join(out, 'h2.txt'), 'utf8'), 'from-group-vars group-secret-value beside-the-playbook\n')
  assert.match(res.out, '********', 'the diff shows the content, masked')
  for (const s of SECRETS) assert.not.match(res.out + res.err, s)
})

test('--json --diff: the events carry no secret either', () => {
  rmSync(out, { recursive: true, force: true })
  const res = run('--vault-id', `default@${join(root, 'pw-plain')}`, '--json', '--diff')
  assert.is(res.code, 0, res.out + res.err)
  for (const line of res.out.trim().split('\n')) JSON.parse(line)
  for (const s of SECRETS) assert.not.match(res.out + res.err, s)
})

test('a wrong vault password, or none: bad input (exit 4) naming the vaulted file or variable, and no host is touched', () => {
  rmSync(out, { recursive: true, force: true })
  const wrong = run('--vault-password-file', join(root, 'pw-wrong'))
  assert.is(wrong.code, 4, wrong.out + wrong.err)
  assert.match(wrong.err, /(vars file .*group_vars\/all\.yml|variable 'db_password' \(.*host_vars\/h1\.yml:2\)): the vault password given does not decrypt it/)
  const none = run()
  assert.is(none.code, 4, none.out + none.err)
  assert.match(none.err, /is vault-encrypted and no vault password was given; give it with --vault-password-file FILE, --ask-vault-pass or --vault-id LABEL@SOURCE/)
  assert.not.ok(existsSync(out), 'nothing written')
})

/** Runs argv on a pseudo-terminal (python3's pty), typing $TYPED and Enter once PROMPT shows; what the terminal showed, and the exit code. */
const ON_TERMINAL = `
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
prompt, typed, out, sent = sys.argv[1].encode(), os.environ['TYPED'].encode(), b'', False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and prompt in out:
        os.write(fd, typed + b'\\r')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`

test('--ask-vault-pass: asked on the terminal, the typing not echoed, the run then as with a file', () => {
  rmSync(out, { recursive: true, force: true })
  const argv = [process.execPath, BIN, 'run', join(root, 'play/vars.play.ts'), '-i', join(root, 'inv'), '--ask-vault-pass']
  const res = spawnSync('python3', ['-c', ON_TERMINAL, 'Vault password: ', ...argv], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TYPED: 'vault pass from a script' } })
  assert.is(res.status, 0, res.stdout + res.stderr)
  assert.match(res.stdout, 'Vault password: ')
  assert.is(readFileSync(join(out, 'h1.txt'), 'utf8'), 'from-host-vars h1-vaulted-secret beside-the-playbook\n')
  for (const s of SECRETS) assert.not.match(res.stdout, s)
})

test.after(temp.removeAll)
test.run()
