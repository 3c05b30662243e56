/**
 * Which diffs a run shows whole and which without their content: files
 * others cannot read (either side), the built-in secret paths, files a task
 * marks secret — and what is said of those instead, in --diff and --json.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { reportedDiff, secretReason } from '../../src/core/secret-diff.ts'
import { unifiedDiff } from '../../src/core/diff.ts'
import { jsonReporter, humanReporter } from '../../src/core/report.ts'
import type { RunEvent } from '../../src/core/result.ts'
import type { FileDiff } from '../../src/core/task.ts'
import { fileWish, planFile } from '../../tasks/file.ts'
import type { FileState } from '../../src/facts/file.ts'

const PSK = 'psk=correct horse battery staple'
const keyfile = (before: string, after: string, modes: FileDiff['modes']): FileDiff => ({ label: '/etc/x/wifi.conf', before, after, modes })
const sha = (s: string) => createHash('sha256').update(s).digest('hex')

test('the rule: no read bit for others on either side hides the diff; world-readable on both shows it', () => {
  for (const mode of ['0600', '0400', '0640', '0440', '0700', '0750', '0000']) assert.is(secretReason(keyfile('a', 'b', { before: mode, after: mode })), `mode ${mode}`, mode)
  for (const mode of ['0644', '0444', '0755', '0604']) assert.is(secretReason(keyfile('a', 'b', { before: mode, after: mode })), undefined, mode)
  assert.is(secretReason(keyfile('a', 'b', { before: '0600', after: '0644' })), 'mode 0600', 'made readable: its past content was a secret')
  assert.is(secretReason(keyfile('a', 'b', { before: undefined, after: '0600' })), 'mode 0600', 'created private')
  assert.is(secretReason(keyfile('a', 'b', undefined)), undefined, 'no modes known (an XML definition), no path listed: shown')
})

test('the built-in secret paths, whatever the mode; a task may mark any file secret', () => {
  const listed = {
    '/etc/shadow': '/etc/shadow', '/etc/gshadow-': '/etc/shadow', '/etc/sudoers': '/etc/sudoers*', '/etc/sudoers.d/90-ops': '/etc/sudoers*',
    '/etc/ssl/private/hv1.key': '*.key', '/etc/NetworkManager/system-connections/br0.nmconnection': 'NetworkManager system-connections/*',
    '/etc/wpa_supplicant/wpa_supplicant.conf': 'wpa_supplicant',
  }
  for (const [label, name] of Object.entries(listed)) assert.is(secretReason({ label, before: '', after: 'x', modes: { after: '0644' } }), `secret path ${name}`, label)
  for (const label of ['/etc/shadowsocks.json', '/etc/keys.conf', '/etc/sysconfig/network-scripts/ifcfg-br0']) assert.is(secretReason({ label, before: '', after: 'x' }), undefined, label)
  assert.is(secretReason({ label: '/etc/motd', before: '', after: 'x', modes: { after: '0644' }, secret: true }), 'secret')
})

test('a secret diff carries hashes, line counts and modes — never the text — and --diff says so in one line', () => {
  const before = 'a\nb\n'
  const after = `a\n${PSK}\nc\n`
  const d = reportedDiff(keyfile(before, after, { before: '0600', after: '0600' }))
  assert.equal(d, {
    label: '/etc/x/wifi.conf', redacted: true, reason: 'mode 0600',
    before: { sha256: sha(before), lines: 2, mode: '0600' }, after: { sha256: sha(after), lines: 3, mode: '0600' },
  })
  assert.is(unifiedDiff(d), `--- /etc/x/wifi.conf (mode 0600: content not shown; sha256 ${sha(before).slice(0, 12)}… → ${sha(after).slice(0, 12)}…, 2 → 3 lines)`)
  const created = reportedDiff({ label: '/etc/ssl/private/hv1.key', before: '', after: 'KEY' })
  assert.is(unifiedDiff(created), `--- /etc/ssl/private/hv1.key (secret path *.key: content not shown; sha256 (empty) → ${sha('KEY').slice(0, 12)}…, 0 → 1 lines)`)
})

test('a diff that may be shown is reported as it was: label, before, after', () => {
  assert.equal(reportedDiff({ label: '/etc/motd', before: 'a\n', after: 'b\n', modes: { before: '0644', after: '0644' } }), { label: '/etc/motd', before: 'a\n', after: 'b\n' })
})

test("through planFile: a 0600 file's write and removal, and a file task's secret: true, reach no report with their content", () => {
  const current: FileState = { exists: true, type: 'file', mode: '0600', owner: 'root', group: 'root', size: 4, content: 'old\n' }
  const plain: FileState = { ...current, mode: '0644' }
  const diffs = [
    ...planFile(fileWish({ path: '/etc/x.conf', content: `${PSK}\n` }), current),
    ...planFile(fileWish({ path: '/etc/x.conf', state: 'absent' }), { ...current, content: `${PSK}\n` }),
    ...planFile(fileWish({ path: '/etc/new.conf', content: `${PSK}\n`, mode: '0640' }), { exists: false }),
    ...planFile(fileWish({ path: '/etc/x.conf', content: `${PSK}\n`, secret: true }), plain),
  ].map((s) => reportedDiff(s.diff!))
  assert.equal(diffs.map((d) => ('reason' in d ? d.reason : 'shown')), ['mode 0600', 'mode 0600', 'mode 0640', 'secret'])
  const event: RunEvent = { type: 'task', host: 'h1', task: 'wifi', status: 'changed', steps: ['replace /etc/x.conf'], diffs, handler: false, check: false, durationMs: 1 }
  const out: string[] = []
  jsonReporter((l) => out.push(l))(event)
  humanReporter({ diff: true, verbose: 2, color: false, write: (l) => out.push(l) })(event)
  assert.ok(out.length > 2)
  assert.not.ok(out.some((l) => l.includes('horse') || l.includes(Buffer.from(PSK).toString('base64').slice(0, 12))), out.join('\n'))
})

test.run()
