import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { planFile, fileWish, backupPath } from '../../tasks/file.ts'
import type { FileState } from '../../src/facts/file.ts'

const wish = (o: Partial<Parameters<typeof fileWish>[0]> = {}) => fileWish({ path: '/etc/x.conf', content: 'a\n', ...o })
const existing = (o: Partial<FileState> = {}): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: 2, content: 'a\n', ...o })

test('nothing to do when content, mode and owner already match', () => {
  assert.equal(planFile(wish({ mode: '0644', owner: 'root' }), existing()), [])
})

test('a missing file is created, with a diff from nothing', () => {
  const [step] = planFile(wish(), { exists: false })
  assert.match(step.summary, 'create /etc/x.conf')
  assert.equal(step.diff, { label: '/etc/x.conf', before: '', after: 'a\n', modes: { before: undefined, after: '0644' } })
})

test('changed content replaces the file atomically, with a backup by default', () => {
  const [step] = planFile(wish({ content: 'b\n' }), existing())
  assert.match(step.summary, /replace \/etc\/x\.conf \(backup \/var\/lib\/kvmplay\/backups\/etc\/x\.conf\.\d{8}-\d{6}~\)/)
  assert.equal(step.diff, { label: '/etc/x.conf', before: 'a\n', after: 'b\n', modes: { before: '0644', after: '0644' } })
  assert.not.match(planFile(wish({ content: 'b\n', backup: false }), existing())[0].summary, 'backup')
})

test('only mode or owner differ: chmod / chown without rewriting', () => {
  const steps = planFile(wish({ mode: '0600', owner: 'nobody' }), existing())
  assert.equal(steps.map((s) => s.summary), ['chmod 0600 /etc/x.conf (was 0644)', 'chown nobody:root /etc/x.conf (was root:root)'])
})

test('absent: removes a file that exists, nothing otherwise', () => {
  assert.is(planFile(wish({ state: 'absent' }), existing())[0].summary, 'remove /etc/x.conf')
  assert.equal(planFile(wish({ state: 'absent' }), { exists: false }), [])
})

test('never replaces a directory with a file', () => {
  assert.throws(() => planFile(wish(), existing({ type: 'directory' })), /is a directory/)
})

test("backups go to kvmplay's own tree, never beside the file where its reader (interfaces.d, system-connections) would read them", () => {
  assert.is(backupPath('/etc/sysctl.conf', new Date('2026-11-28T08:30:05Z')), '/var/lib/kvmplay/backups/etc/sysctl.conf.20261128-083005~')
})

test('bad paths and modes are refused when the playbook is built', () => {
  assert.throws(() => fileWish({ path: 'relative', content: '' }), /absolute path/)
  assert.throws(() => fileWish({ path: '/x', mode: 'rw-r--r--' }), /octal mode/)
})

test.run()
