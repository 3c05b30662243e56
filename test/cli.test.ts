/** The command line as a user meets it: help, bad input, exit codes. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FIXTURES, kvmplay as run } from './helpers/cli.ts'
import { notRoot, skipIf } from './helpers/skip.ts'

const kvmplay = (args: string[], opts: { asNobody?: boolean; env?: Record<string, string> } = {}) =>
  run(args, { ...opts, env: { KVMPLAY_LAB_DIR: '/tmp/kvmplay-cli-test', ...opts.env } })
/** The tests that run kvmplay as nobody: setpriv needs root to drop to nobody (and planting files for another user needs root too). */
const asNobody = skipIf(test, notRoot('setpriv needs root to drop to nobody'))

test('--help lists the commands and the exit codes', () => {
  const { code, out } = kvmplay(['--help'])
  assert.is(code, 0)
  assert.match(out, 'kvmplay lab <command>')
  assert.match(out, 'Exit codes: 0 ok')
})

test('lab --help shows up, down, status, stop and ssh with examples', () => {
  const { code, out } = kvmplay(['lab', '--help'])
  assert.is(code, 0)
  for (const cmd of ['lab up', 'lab down', 'lab status', 'lab stop', 'lab ssh']) assert.match(out, cmd)
  assert.match(out, 'Examples:')
})

test('an unknown command is bad input (exit 4) and points to --help', () => {
  const { code, err } = kvmplay(['lob'])
  assert.is(code, 4)
  assert.match(err, "kvmplay --help")
})

test('an impossible host count is bad input naming the range', () => {
  const { code, err } = kvmplay(['lab', 'up', '300'])
  assert.is(code, 4)
  assert.match(err, 'a lab holds 1 to 254 hosts')
})

asNobody('without root, lab up stops at once and says to use sudo, creating nothing', () => {
  const { code, err } = kvmplay(['lab', 'up', '1'], { asNobody: true })
  assert.is(code, 4, err)
  assert.match(err, 'run it with sudo')
})

asNobody('a user who cannot write beside kvmplay gets a bundle of their own that works (not the slower sources)', () => {
  const own = join(tmpdir(), 'kvmplay-bundle-65534') // nobody's uid, as bin/bundle.mjs names it
  rmSync(own, { recursive: true, force: true })
  try {
    const { code, out, err } = kvmplay(['--help'], { asNobody: true })
    assert.is(code, 0, err)
    assert.match(out, 'kvmplay lab <command>')
    assert.not.match(err, 'could not bundle')
  } finally {
    rmSync(own, { recursive: true, force: true })
  }
})

asNobody("a bundle directory someone else made in $TMPDIR is not used: kvmplay runs from the sources, saying why on one line, and keeps no tsx cache there either", () => {
  const shared = mkdtempSync(join(tmpdir(), 'kvmplay-shared-tmp-'))
  try {
    chmodSync(shared, 0o1777) // as /tmp is
    const planted = join(shared, 'kvmplay-bundle-65534')
    mkdirSync(planted, { mode: 0o777 })
    chmodSync(planted, 0o777)
    writeFileSync(join(planted, 'cli.mjs'), "console.log('planted code ran')\n")
    const { code, out, err } = kvmplay(['--help'], { asNobody: true, env: { TMPDIR: shared } })
    assert.is(code, 0, err)
    assert.match(out, 'kvmplay lab <command>')
    assert.not.match(out, 'planted')
    assert.is(err.split('\n').filter((l) => l.startsWith('kvmplay')).length, 1, err)
    assert.match(err, `could not bundle the sources (${planted} belongs to uid 0, not to you (uid 65534); kvmplay runs code from it, so it must be yours alone: remove it, or set TMPDIR`)
    assert.not.ok(existsSync(join(shared, 'tsx-65534')), "tsx's unchecked cache was not used")
  } finally {
    rmSync(shared, { recursive: true, force: true })
  }
})

test('an edited playbook is loaded as edited, though compiled playbooks are kept between runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-edit-'))
  try {
    const play = join(dir, 'edit.play.ts')
    const inventory = join(dir, 'hosts.yaml')
    writeFileSync(inventory, 'all:\n  hosts:\n    h1:\n      ansible_host: 198.19.1.2\n')
    for (const pattern of ['first', 'first', 'second']) {
      writeFileSync(play, `import { playbook } from 'kvmplay'\nconst hosts: string = '${pattern}'\nexport default playbook({ name: 'x', hosts, tasks: [] })\n`)
      const { code, err } = kvmplay(['run', play, '-i', inventory])
      assert.is(code, 4, err)
      assert.match(err, `matches the playbook's hosts '${pattern}'`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('become options: a bad method, both password sources, an empty password file are bad input (exit 4), before any host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cli-become-'))
  const inv = join(dir, 'hosts.ini')
  // An address nothing answers on: reaching the host would be a different error.
  writeFileSync(inv, '[hypervisors]\nh1 ansible_host=198.18.250.2\n')
  const empty = join(dir, 'empty')
  writeFileSync(empty, '')
  const play = join(FIXTURES, 'site.play.ts')
  const cases: [string[], RegExp][] = [
    [['--become-method', 'pbrun'], /--become-method: become method 'pbrun' is not supported \(use sudo, su, doas\)/],
    [['-K', '--become-password-file', empty], /give either -K \(--ask-become-pass\) or --become-password-file, not both/],
    [['--become-password-file', empty], /--become-password-file .*empty: the file is empty/],
    [['--become-password-file', join(dir, 'missing')], /--become-password-file .*missing: ENOENT/],
  ]
  for (const [args, why] of cases) {
    const { code, err } = kvmplay(['run', play, '-i', inv, '-b', ...args])
    assert.is(code, 4, err)
    assert.match(err, why)
  }
  rmSync(dir, { recursive: true })
})

test('a become password with a line break (file, inventory or -e) is bad input (exit 4) before any host, and is not shown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cli-become-pw-'))
  // On loopback, where nothing listens on port 1: reaching for the host would be a different error.
  const inv = join(dir, 'hosts.yaml')
  const h1 = 'all:\n  children:\n    hypervisors:\n      hosts:\n        h1:\n          ansible_host: 127.0.0.1\n          ansible_port: 1\n'
  writeFileSync(inv, `${h1}          ansible_become_password: |\n            hunter2\n`)
  const clean = join(dir, 'clean.yaml')
  writeFileSync(clean, h1)
  const file = join(dir, 'password')
  // A lone CR is no line end to Node's first-line split, but is one to doas and su.
  writeFileSync(file, 'hunter2\rreboot\n')
  const play = join(FIXTURES, 'site.play.ts')
  const cases: [string[], RegExp][] = [
    [['-i', clean, '--become-password-file', file], /--become-password-file .*password: the become password contains a carriage return/],
    [['-i', inv], /host h1: ansible_become_password: the become password contains a line break/],
    [['-i', clean, '-e', '{"ansible_become_pass": "hunter2\\nreboot"}'], /host h1: ansible_become_pass: the become password contains a line break/],
  ]
  for (const [args, why] of cases) {
    const { code, err } = kvmplay(['run', play, '-b', ...args])
    assert.is(code, 4, err)
    assert.match(err, why)
    assert.not.match(err, 'hunter2')
    assert.not.match(err, 'reboot')
  }
  rmSync(dir, { recursive: true })
})

test('--report: a missing directory, or a file there that is not a kvmplay report, is bad input (exit 4), before any host; the file is left as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cli-report-'))
  const inv = join(dir, 'hosts.ini')
  writeFileSync(inv, '[hypervisors]\nh1 ansible_host=198.18.250.2\n')
  const play = join(FIXTURES, 'site.play.ts')
  const notes = join(dir, 'notes.json')
  writeFileSync(notes, '{"mine": true}\n')
  const cases: [string, RegExp][] = [
    [join(dir, 'nowhere', 'r.json'), /--report .*r\.json: directory .*nowhere does not exist; create it or name a file elsewhere/],
    [notes, /--report .*notes\.json already exists and is not a kvmplay report: name a new file/],
  ]
  for (const [file, why] of cases) {
    const { code, err } = kvmplay(['run', play, '-i', inv, '--report', file])
    assert.is(code, 4, err)
    assert.match(err, why)
  }
  assert.is(readFileSync(notes, 'utf8'), '{"mine": true}\n')
  rmSync(dir, { recursive: true })
})

test.run()
