/**
 * Where run's options come from without flags: ansible.cfg where Ansible
 * finds it, kvmplay.yaml over it, ANSIBLE_* over both, the command line over
 * all (docs/cli.md: Configuration files).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findAnsibleCfg, parseCfg } from '../../src/config/ansible-cfg.ts'
import { runDefaults } from '../../src/config/run-defaults.ts'
import { FIXTURES, kvmplay } from '../helpers/cli.ts'

const KNOWN = new Set(['inventory', 'forks', 'user', 'private-key', 'timeout', 'ask-pass', 'become', 'become-method', 'become-user', 'ask-become-pass', 'check'])

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-config-'))
  chmodSync(dir, 0o755)
  const home = join(dir, 'home')
  mkdirSync(home)
  return { dir, home }
}

test("ansible.cfg: configparser's syntax, [defaults] and [privilege_escalation], paths from the file's directory", () => {
  const { dir, home } = workspace()
  writeFileSync(
    join(dir, 'ansible.cfg'),
    '# mine\n[defaults]\ninventory = inventory/hosts.ini ; the lab\nforks=7\nremote_user: ops\nprivate_key_file = ~/.ssh/kvm\ntimeout = 20\nhost_key_checking = False\nask_pass = no\n\n[privilege_escalation]\nbecome = True\nbecome_method = su\nbecome_user = admin\nbecome_ask_pass = yes\n',
  )
  assert.equal(parseCfg('[a]\nk = v ; c\n; x\n#y\nK2: w\n').get('a'), new Map([['k', 'v'], ['k2', 'w']]))
  const { values, from } = runDefaults(KNOWN, { HOME: home }, dir)
  const { 'private-key': key, ...rest } = values
  assert.match(String(key), /^\/.*\/\.ssh\/kvm$/, '~ is the home directory')
  assert.equal(rest, {
    inventory: join(dir, 'inventory/hosts.ini'),
    forks: 7,
    user: 'ops',
    timeout: 20,
    become: true,
    'become-method': 'su',
    'become-user': 'admin',
    'ask-pass': false,
    'ask-become-pass': true,
  })
  assert.is(from.forks, join(dir, 'ansible.cfg'))
  rmSync(dir, { recursive: true })
})

test('the first ansible.cfg found, alone: ANSIBLE_CONFIG, ./ansible.cfg (not in a world-writable directory), ~/.ansible.cfg', () => {
  const { dir, home } = workspace()
  writeFileSync(join(home, '.ansible.cfg'), '[defaults]\nforks = 2\n')
  assert.is(findAnsibleCfg({}, dir, home), join(home, '.ansible.cfg'))
  writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\nforks = 3\n')
  assert.is(findAnsibleCfg({}, dir, home), join(dir, 'ansible.cfg'))
  chmodSync(dir, 0o777)
  assert.is(findAnsibleCfg({}, dir, home), join(home, '.ansible.cfg'), 'a world-writable directory is passed over')
  chmodSync(dir, 0o755)
  writeFileSync(join(dir, 'other.cfg'), '[defaults]\nforks = 4\n')
  assert.is(findAnsibleCfg({ ANSIBLE_CONFIG: 'other.cfg' }, dir, home), join(dir, 'other.cfg'))
  rmSync(dir, { recursive: true })
})

test('precedence: ANSIBLE_* over kvmplay.yaml over ansible.cfg; a bad key or value is named', () => {
  const { dir, home } = workspace()
  writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\nforks = 3\nremote_user = cfg\ntimeout = 5\n')
  writeFileSync(join(dir, 'kvmplay.yaml'), 'forks: 9\nuser: own\n')
  const { values, from } = runDefaults(KNOWN, { HOME: home, ANSIBLE_FORKS: '11' }, dir)
  assert.is(values.forks, 11)
  assert.is(from.forks, 'the ANSIBLE_* environment')
  assert.is(values.user, 'own')
  assert.is(values.timeout, 5)
  writeFileSync(join(dir, 'kvmplay.yaml'), 'becomeUser: root\nforkz: 3\n')
  assert.throws(() => runDefaults(KNOWN, { HOME: home }, dir), /kvmplay\.yaml: 'forkz' is no option of kvmplay run \(did you mean 'forks'\?\)/)
  rmSync(join(dir, 'kvmplay.yaml'))
  assert.throws(() => runDefaults(KNOWN, { HOME: home, ANSIBLE_FORKS: 'many' }, dir), /\$ANSIBLE_FORKS: 'many' is not a whole number/)
  writeFileSync(join(dir, '.kvmplay.yaml'), 'check: true\n')
  assert.is(runDefaults(KNOWN, { HOME: home }, dir).values.check, true)
  assert.is(runDefaults(KNOWN, { HOME: home, KVMPLAY_CONFIG: join(dir, '.kvmplay.yaml') }, dir).values.check, true)
  rmSync(dir, { recursive: true })
})

test('kvmplay run without -i: the inventory of ansible.cfg, then of kvmplay.yaml, then ANSIBLE_INVENTORY, then -i', () => {
  const { dir, home } = workspace()
  const inv = (name: string, host: string) => {
    writeFileSync(join(dir, name), `[hypervisors]\n${host} ansible_connection=local\n`)
    return name
  }
  writeFileSync(join(dir, 'ansible.cfg'), `[defaults]\ninventory = ${inv('a.ini', 'from-cfg')}\n`)
  const list = (env: Record<string, string> = {}, args: string[] = []) => kvmplay(['run', join(FIXTURES, 'tagged.play.ts'), '--list-hosts', ...args], { cwd: dir, env: { HOME: home, ...env } })
  assert.match(list().out, 'hosts (1):\n      from-cfg\n')
  writeFileSync(join(dir, 'kvmplay.yaml'), `inventory: ${inv('b.ini', 'from-kvmplay')}\n`)
  assert.match(list().out, '      from-kvmplay\n')
  assert.match(list({ ANSIBLE_INVENTORY: inv('c.ini', 'from-env') }).out, '      from-env\n')
  // -v names every source, as ansible-playbook -v names its ansible.cfg.
  const verbose = kvmplay(['run', join(FIXTURES, 'tagged.play.ts'), '-v', '-t', 'network'], { cwd: dir, env: { HOME: home, ANSIBLE_FORKS: '2', KVMPLAY_MARKS: join(dir, 'marks') } })
  assert.is(verbose.code, 0, verbose.err)
  assert.match(verbose.out, `Using ${join(dir, 'ansible.cfg')} as config file\nUsing ${join(dir, 'kvmplay.yaml')} as config file\nUsing options from ANSIBLE_* environment variables\nPLAY`)
  assert.match(list({ ANSIBLE_INVENTORY: 'c.ini' }, ['-i', join(dir, inv('d.ini', 'from-flag'))]).out, '      from-flag\n')
  writeFileSync(join(dir, 'kvmplay.yaml'), 'inventory: [oops\n')
  const bad = list()
  assert.is(bad.code, 4, bad.err)
  assert.match(bad.err, 'kvmplay.yaml')
  rmSync(dir, { recursive: true })
})

test.run()
