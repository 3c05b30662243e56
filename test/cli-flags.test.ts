/**
 * ansible-playbook's flags on kvmplay run, on hosts of this machine
 * (ansible_connection: local): each task of the fixture leaves a mark in a
 * file when it runs, so what ran is read back from the file.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { BIN, FIXTURES, kvmplay } from './helpers/cli.ts'
import { withLoginDefaults } from '../src/commands/run-ansible-flags.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-flags-'))
const inventory = join(dir, 'hosts.yaml')
writeFileSync(inventory, 'all:\n  children:\n    hypervisors:\n      vars:\n        ansible_connection: local\n      hosts:\n        h1:\n        h2:\n')
const PLAY = join(FIXTURES, 'tagged.play.ts')
const marks = join(dir, 'marks')

/** Runs the tagged fixture on h1; returns what ran, in order. */
function ran(args: string[], input?: string) {
  rmSync(marks, { force: true })
  const res = kvmplay(['run', PLAY, '-i', inventory, '-l', 'h1', ...args], { env: { KVMPLAY_MARKS: marks }, input })
  return { ...res, marks: existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n') : [] }
}

test('--list-hosts, --list-tasks, --list-tags print what ansible-playbook prints, after --tags, and run nothing', () => {
  rmSync(marks, { force: true })
  const { code, out, err } = kvmplay(['run', PLAY, '-i', inventory, '--list-hosts', '--list-tasks', '--list-tags', '-t', 'setup'], { env: { KVMPLAY_MARKS: marks } })
  assert.is(code, 0, err)
  assert.match(out, "  play #1 (hypervisors): tagged\tTAGS: []\n    pattern: ['hypervisors']\n    hosts (2):\n      h1\n      h2\n")
  assert.match(out, '    tasks:\n      packages\tTAGS: [setup]\n      bridge\tTAGS: [network, setup]\n      facts always\tTAGS: [always]\n    TASK TAGS: [always, network, setup]\n')
  assert.not.match(out, 'untagged one')
  assert.not.ok(existsSync(marks), 'nothing ran')
})

test('--list-hosts after --limit names only those hosts', () => {
  const { code, out } = kvmplay(['run', PLAY, '-i', inventory, '--list-hosts', '-l', 'h2'])
  assert.is(code, 0)
  assert.match(out, 'hosts (1):\n      h2\n')
})

test('-t / --skip-tags / --start-at-task choose the tasks as Ansible does (always, never)', () => {
  assert.equal(ran(['-t', 'network']).marks, ['bridge', 'facts always'])
  assert.equal(ran(['--tags', 'debug']).marks, ['facts always', 'debug never'])
  assert.equal(ran(['--skip-tags', 'setup,always']).marks, ['untagged one'])
  assert.equal(ran(['--start-at-task', 'facts*']).marks, ['facts always', 'untagged one'])
  assert.equal(ran([]).marks, ['packages', 'bridge', 'facts always', 'untagged one'])
})

test('--start-at-task naming no task is bad input (exit 4) before any host', () => {
  const res = ran(['--start-at-task', 'nope'])
  assert.is(res.code, 4)
  assert.match(res.err, "--start-at-task 'nope': no task of the playbook is named so")
  assert.equal(res.marks, [])
})

test('--step asks before each task: y runs it, n skips it, c runs it and all after without asking; the end of input says no', () => {
  const res = ran(['--step'], 'y\nn\nc\n')
  assert.is(res.code, 0, res.err)
  assert.equal(res.marks, ['packages', 'facts always', 'untagged one'])
  assert.is(res.out.match(/Perform task: /g)?.length, 3)
  assert.match(res.out, 'Perform task: packages on h1 (N)o/(y)es/(c)ontinue: y\n')
  assert.match(res.out, /h1 +skipped +bridge — not run: answered no at --step/)
  const json = ran(['--step', '--json'], 'y\nn\nn\nn\n')
  assert.equal(json.marks, ['packages'])
  assert.ok(json.out.trim().split('\n').every((l) => l.startsWith('{')), 'stdout stays JSON')
  assert.match(json.err, 'Perform task: packages on h1')
  const none = ran(['--step'], '')
  assert.equal(none.marks, [])
  assert.match(none.out, /skipped=4/)
})

test('-u and --private-key fill in what the inventory leaves out; its own connection vars win', () => {
  assert.equal(withLoginDefaults({}, { user: 'ops', privateKey: '/k' }), { ansible_user: 'ops', ansible_private_key_file: '/k' })
  assert.equal(withLoginDefaults({ ansible_ssh_user: 'root', ansible_ssh_private_key_file: '/mine' }, { user: 'ops', privateKey: '/k' }), { ansible_ssh_user: 'root', ansible_ssh_private_key_file: '/mine' })
})

test('-k without a terminal is bad input naming the flag, before any host (the password is never an argument)', () => {
  // setsid: no controlling terminal, as under cron or CI, so /dev/tty cannot be opened.
  const res = spawnSync('setsid', ['-w', process.execPath, BIN, 'run', PLAY, '-i', inventory, '-k'], { encoding: 'utf8', env: { ...process.env, KVMPLAY_MARKS: marks } })
  assert.is(res.status, 4, res.stderr)
  assert.match(res.stderr, "-k (--ask-pass) needs a terminal to ask on; without one, give the hosts' ansible_password in a vault instead")
  assert.not.ok(existsSync(marks))
})

test('-u / --private-key / -k / --tags / --step / --output are in run --help', () => {
  const { out } = kvmplay(['run', '--help'])
  for (const flag of ['--list-hosts', '--list-tasks', '--list-tags', '-t, --tags', '--skip-tags', '--start-at-task', '--step', '-u, --user', '--private-key', '-k, --ask-pass', '--output']) assert.match(out, flag)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
