/**
 * The migration report kept without asking: in kvmplay's state directory,
 * one file per inventory, named in the output; the next run (and the way
 * back, through kvmplay_report) read it with no flag; --report FILE wins;
 * --check keeps nothing. Hosts of this machine, no libvirt (a fixture task
 * records the guests).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FIXTURES, kvmplay } from './helpers/cli.ts'
import { keptReportPath, stateDir } from '../src/commands/report-state.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-kept-'))
const state = join(dir, 'state')
const seen = join(dir, 'seen')
const inventory = join(dir, 'hosts.yaml')
const host = (mac: string) => `all:\n  children:\n    hypervisors:\n      vars:\n        ansible_connection: local\n        seen: ${seen}\n      hosts:\n        h1:\n          mac: '${mac}'\n`
const PLAY = join(FIXTURES, 'kept-report.play.ts')
const run = (...args: string[]) => kvmplay(['run', PLAY, '-i', inventory, ...args], { env: { XDG_STATE_HOME: state } })
const kept = () => keptReportPath(inventory, { XDG_STATE_HOME: state })
const macs = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { guests: { mac: string }[] }).guests.map((g) => g.mac).sort()

test('the state directory: $XDG_STATE_HOME/kvmplay (absolute only), else ~/.local/state/kvmplay; one file per inventory path', () => {
  assert.is(stateDir({ XDG_STATE_HOME: '/s' }), '/s/kvmplay')
  assert.match(stateDir({ XDG_STATE_HOME: 'relative' }), /\/\.local\/state\/kvmplay$/)
  assert.match(keptReportPath('/a/hosts.yaml', { XDG_STATE_HOME: '/s' }), /^\/s\/kvmplay\/reports\/hosts\.yaml-[0-9a-f]{12}\.json$/)
  assert.is.not(keptReportPath('/a/hosts.yaml', {}), keptReportPath('/b/hosts.yaml', {}))
})

test('a first run keeps the report and names it; the next run reads it back with no flag, and keeps both guests', () => {
  writeFileSync(inventory, host('52:54:00:00:00:01'))
  const first = run()
  assert.is(first.code, 0, first.err)
  assert.match(first.out, `report: kept in ${kept()} (the next run with this inventory and the way back read it; --report FILE writes it elsewhere)`)
  assert.equal(macs(kept()), ['52:54:00:00:00:01'])
  assert.is(statSync(join(state, 'kvmplay', 'reports')).mode & 0o777, 0o700)
  assert.is(readFileSync(seen, 'utf8'), 'none', 'no report before the first run')
  // A second guest on the next run: the kept one's is kept, and the play is handed the file (the way back's kvmplay_report).
  writeFileSync(inventory, host('52:54:00:00:00:02'))
  const second = run()
  assert.is(second.code, 0, second.err)
  assert.is(readFileSync(seen, 'utf8'), kept())
  assert.equal(macs(kept()), ['52:54:00:00:00:01', '52:54:00:00:00:02'])
})

test('-e report= wins over the kept report for the play; --report FILE wins over keeping it', () => {
  assert.is(run('-e', 'report=/elsewhere.json').code, 0)
  assert.is(readFileSync(seen, 'utf8'), '/elsewhere.json')
  const before = readFileSync(kept(), 'utf8')
  const file = join(dir, 'mine.json')
  const res = run('--report', file)
  assert.is(res.code, 0, res.err)
  assert.match(res.out, `report: ${file}\n`)
  assert.not.match(res.out, 'kept in')
  assert.equal(macs(file), ['52:54:00:00:00:02'])
  assert.is(readFileSync(kept(), 'utf8'), before, 'the kept report is left as it was')
})

test('--check keeps nothing; a playbook that records no report keeps nothing and says nothing of it', () => {
  const before = readFileSync(kept(), 'utf8')
  writeFileSync(inventory, host('52:54:00:00:00:03'))
  const check = run('--check')
  assert.is(check.code, 0, check.err)
  assert.not.match(check.out, 'report:')
  assert.is(readFileSync(kept(), 'utf8'), before)
  const other = join(dir, 'other.ini')
  writeFileSync(other, '[hypervisors]\nh1 ansible_connection=local\n')
  const plain = kvmplay(['run', join(FIXTURES, 'tagged.play.ts'), '-i', other, '-t', 'network'], { env: { XDG_STATE_HOME: state, KVMPLAY_MARKS: join(dir, 'marks') } })
  assert.is(plain.code, 0, plain.err)
  assert.not.match(plain.out, 'report:')
  assert.not.ok(existsSync(keptReportPath(other, { XDG_STATE_HOME: state })))
})

test('a kept file that is not a report is bad input naming it, before any host', () => {
  writeFileSync(kept(), 'garbage')
  const res = run()
  assert.is(res.code, 4)
  assert.match(res.err, `the kept report ${kept()} already exists and is not a kvmplay report`)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
