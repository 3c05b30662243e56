/**
 * What a person reads of a run (humanReporter) and what a program reads
 * (jsonReporter), fed the runner's events directly: the lines each event
 * gives, with and without colour, verbose and diffs.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { humanReporter, jsonReporter } from '../../src/core/report.ts'
import type { ReportOptions } from '../../src/core/report.ts'
import { unifiedDiff } from '../../src/core/diff.ts'
import type { HostRecap, RunEvent, TaskResult } from '../../src/core/result.ts'

const ANSI = /\x1b\[[0-9;]*m/
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')

/** The lines the human reporter writes for `events`. */
function human(events: RunEvent[], opts: Partial<Omit<ReportOptions, 'write'>> = {}): string[] {
  const lines: string[] = []
  const report = humanReporter({ diff: false, verbose: 0, color: false, ...opts, write: (l) => lines.push(l) })
  for (const e of events) report(e)
  return lines
}

const play = (over: Partial<Extract<RunEvent, { type: 'play' }>> = {}): RunEvent => ({ type: 'play', play: 'site', hosts: ['hv1', 'hypervisor-2'], check: false, ...over })

const task = (over: Partial<TaskResult> = {}): RunEvent => ({
  type: 'task',
  host: 'hv1',
  task: 'bridge br0',
  status: 'ok',
  steps: [],
  diffs: [],
  handler: false,
  check: false,
  durationMs: 12,
  ...over,
})

const counts = (over: Partial<HostRecap> = {}): HostRecap => ({ ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0, ...over })

const recap = (over: Partial<Extract<RunEvent, { type: 'recap' }>> = {}): RunEvent => ({
  type: 'recap',
  hosts: { hv1: counts({ ok: 3, changed: 1 }), 'hypervisor-2': counts({ ok: 4 }) },
  untouched: [],
  exitCode: 0,
  durationMs: 1234,
  ...over,
})

/** The task line of one event, after the play header (which sets the host column's width). */
const line = (over: Partial<TaskResult>, opts: Partial<Omit<ReportOptions, 'write'>> = {}) => human([play(), task(over)], opts)[1]

test('the play header names the play and counts the hosts; check mode says nothing will change', () => {
  assert.equal(human([play()]), ['PLAY site — 2 hosts'])
  assert.equal(human([play({ hosts: ['hv1'] })]), ['PLAY site — 1 host'])
  assert.equal(human([play({ check: true })]), ['PLAY site (check: nothing will change) — 2 hosts'])
})

test('a task line gives host, status and task, in columns as wide as the longest host name', () => {
  const lines = human([play(), task(), task({ host: 'hypervisor-2', status: 'changed' })])
  assert.is(lines[1], 'hv1           ok       bridge br0')
  assert.is(lines[2], 'hypervisor-2  changed  bridge br0')
  // Short names still get the four-character minimum.
  assert.is(human([play({ hosts: ['a'] }), task({ host: 'a' })])[1], 'a     ok       bridge br0')
})

test('each status has its word: failed, skipped, rolled back; a handler says so', () => {
  assert.is(line({ status: 'failed', reason: 'exit 1: no such bridge' }), 'hv1           failed   bridge br0 — exit 1: no such bridge')
  assert.is(line({ status: 'skipped', reason: 'condition (when) is false' }), 'hv1           skipped  bridge br0 — condition (when) is false')
  assert.match(line({ status: 'rolled_back', reason: 'the new address did not answer' }), /^hv1 {11}rolled back {2}bridge br0 — the new address did not answer$/)
  assert.is(line({ status: 'changed', task: 'restart libvirtd', handler: true }), 'hv1           changed  restart libvirtd (handler)')
})

test("under check a change reads 'would change', and the column is wide enough for it", () => {
  assert.is(line({ status: 'changed', check: true }), 'hv1           would change  bridge br0')
  assert.is(line({ status: 'ok', check: true }), 'hv1           ok            bridge br0')
})

test('a reason is shown for every status but ok, and for ok only when verbose', () => {
  assert.is(line({ status: 'ok', reason: 'already as wanted' }), 'hv1           ok       bridge br0')
  assert.is(line({ status: 'ok', reason: 'already as wanted' }, { verbose: 1 }), 'hv1           ok       bridge br0 — already as wanted')
  assert.is(line({ status: 'changed', reason: 'mtu 1500 → 9000' }), 'hv1           changed  bridge br0 — mtu 1500 → 9000')
})

test('the steps of a changed task are listed under it with -v, and only then', () => {
  const changed = task({ status: 'changed', steps: ['write /etc/sysconfig/network-scripts/ifcfg-br0', 'ifup br0'] })
  assert.equal(human([play(), changed]).length, 2)
  assert.equal(human([play(), changed], { verbose: 1 }).slice(1), [
    'hv1           changed  bridge br0',
    '                · write /etc/sysconfig/network-scripts/ifcfg-br0',
    '                · ifup br0',
  ])
  // Steps of a task that did not change (what it would have done) are not listed.
  assert.equal(human([play(), task({ status: 'failed', steps: ['ifup br0'] })], { verbose: 2 }).length, 2)
  // Under check, the steps that would run.
  assert.equal(human([play(), task({ status: 'changed', check: true, steps: ['ifup br0'] })], { verbose: 1 })[2], '                · ifup br0')
})

test('with diff, each file diff is printed under its task as a unified diff', () => {
  const d1 = { label: '/etc/sysctl.d/90-kvm.conf', before: 'a = 1\nb = 2\n', after: 'a = 1\nb = 3\n' }
  const d2 = { label: 'network br0 (XML)', before: '', after: '<network/>\n' }
  const changed = task({ status: 'changed', diffs: [d1, d2] })
  assert.equal(human([play(), changed]).length, 2, 'no diff without diff: true')
  const lines = human([play(), changed], { diff: true })
  assert.equal(lines.slice(2), [unifiedDiff(d1), unifiedDiff(d2)])
  assert.is(
    lines[2],
    ['--- /etc/sysctl.d/90-kvm.conf (before)', '+++ /etc/sysctl.d/90-kvm.conf (after)', '@@ -1,2 +1,2 @@', ' a = 1', '-b = 2', '+b = 3'].join('\n'),
  )
  assert.match(lines[3], /^--- network br0 \(XML\) \(before\)\n\+\+\+ network br0 \(XML\) \(after\)\n@@ -0,0 \+1,1 @@\n\+<network\/>$/)
})

test('an unreachable host has a line of its own, with why', () => {
  assert.equal(human([play(), { type: 'unreachable', host: 'hypervisor-2', reason: 'cannot connect: ECONNREFUSED', errorKind: 'connect' }]).slice(1), [
    'hypervisor-2  unreachable  cannot connect: ECONNREFUSED',
  ])
})

test('a batch line names its place in the rollout and its hosts', () => {
  assert.equal(human([{ type: 'batch', index: 2, of: 3, hosts: ['hv3', 'hv4'] }]), ['BATCH 2/3: hv3, hv4'])
})

test('the recap gives each host its counts, then the duration and exit code', () => {
  assert.equal(human([play(), recap()]).slice(1), [
    '\nRECAP',
    'hv1           ok=3          changed=1     failed=0      unreachable=0 skipped=0',
    'hypervisor-2  ok=4          changed=0     failed=0      unreachable=0 skipped=0',
    '(1.23 s, exit 0)',
  ])
})

test('the rolled_back cell appears only for a host where it is not zero', () => {
  const lines = human([play(), recap({ hosts: { hv1: counts({ ok: 2, rolled_back: 1 }), 'hypervisor-2': counts({ ok: 3 }) }, exitCode: 2 })])
  assert.match(lines[2], /^hv1 .* skipped=0 +rolled_back=1$/)
  assert.not.match(lines[3], /rolled_back/)
  assert.is(lines[4], '(1.23 s, exit 2)')
})

test("hosts that were never started get a 'not started' line, with why the run stopped", () => {
  const stopped = human([play(), recap({ untouched: ['hv5', 'hv6'], stopReason: 'batch 1 failed', exitCode: 2 })])
  assert.is(stopped[4], 'not started (batch 1 failed): hv5, hv6')
  assert.is(stopped[5], '(1.23 s, exit 2)')
  assert.ok(human([play(), recap({ untouched: ['hv5'] })]).includes('not started (stopped): hv5'))
  assert.not.ok(human([play(), recap()]).some((l) => l.includes('not started')))
})

test('without colour no line has an ANSI code; with colour the same text is painted', () => {
  const events: RunEvent[] = [
    play(),
    task({ status: 'changed', steps: ['ifup br0'], diffs: [{ label: '/etc/x', before: 'a\n', after: 'b\n' }] }),
    task({ status: 'failed', reason: 'exit 1' }),
    task({ status: 'skipped' }),
    task({ status: 'rolled_back' }),
    { type: 'unreachable', host: 'hypervisor-2', reason: 'timed out' },
    { type: 'batch', index: 1, of: 1, hosts: ['hv1'] },
    recap({ hosts: { hv1: counts({ ok: 1, changed: 1, failed: 1, skipped: 1, rolled_back: 1 }), 'hypervisor-2': counts({ unreachable: 1 }) }, untouched: ['hv9'], exitCode: 2 }),
  ]
  const opts = { verbose: 1, diff: true }
  const bare = human(events, { ...opts, color: false })
  assert.not.ok(bare.some((l) => ANSI.test(l)), bare.find((l) => ANSI.test(l)))
  const painted = human(events, { ...opts, color: true })
  assert.is(painted.length, bare.length)
  // The words are the same; only the codes differ (the recap's cells are padded to line up either way).
  assert.equal(painted.map(plain).map((l) => l.replace(/ +/g, ' ')), bare.map((l) => l.replace(/ +/g, ' ')))

  assert.is(painted[0], '\x1b[1mPLAY site — 2 hosts\x1b[0m')
  // A status is painted in its colour (the column's padding may sit inside the codes).
  assert.match(painted[1], /\x1b\[33mchanged *\x1b\[0m/)
  assert.ok(painted[2].includes('\x1b[2m· ifup br0\x1b[0m'), painted[2])
  // Added lines green, removed red, the headers left alone.
  assert.equal(painted[3].split('\n'), ['--- /etc/x (before)', '+++ /etc/x (after)', '@@ -1,1 +1,1 @@', '\x1b[31m-a\x1b[0m', '\x1b[32m+b\x1b[0m'])
  assert.match(painted[4], /\x1b\[31mfailed *\x1b\[0m/)
  assert.match(painted[5], /\x1b\[36mskipped *\x1b\[0m/)
  assert.match(painted[6], /\x1b\[35mrolled back *\x1b\[0m/)
  assert.ok(painted[7].includes('\x1b[31munreachable\x1b[0m'), painted[7])
  assert.is(painted[8], '\x1b[1mBATCH 1/1: hv1\x1b[0m')
  // Non-zero counts other than ok are painted in their status's colour.
  const hv1 = painted[10]
  assert.ok(hv1.startsWith('hv1           ok=1 '), hv1)
  for (const cell of ['\x1b[33mchanged=1\x1b[0m', '\x1b[31mfailed=1\x1b[0m', '\x1b[36mskipped=1\x1b[0m', '\x1b[35mrolled_back=1\x1b[0m']) assert.ok(hv1.includes(cell), cell)
  assert.ok(painted[11].includes('\x1b[31munreachable=1\x1b[0m') && painted[11].includes(' changed=0 '), painted[11])
  assert.is(painted[12], '\x1b[31mnot started (stopped): hv9\x1b[0m')
  assert.is(painted[13], '(1.23 s, exit 2)')
})

test('the recap columns line up with and without colour', () => {
  const r = recap({ hosts: { hv1: counts({ ok: 1, changed: 12 }), 'hypervisor-2': counts({ ok: 30, failed: 2, skipped: 1 }) } })
  for (const color of [false, true]) {
    const [a, b] = human([play(), r], { color }).slice(2, 4).map(plain)
    const starts = (l: string) => ['ok=', 'changed=', 'failed=', 'unreachable=', 'skipped='].map((k) => l.indexOf(k))
    assert.equal(starts(a), starts(b), `color: ${color}`)
  }
})

test('the JSON reporter writes each event as one line of JSON that parses back to the event', () => {
  const events: RunEvent[] = [
    play({ check: true }),
    task({ status: 'changed', check: true, steps: ['write /etc/x'], diffs: [{ label: '/etc/x', before: 'a\n', after: 'b\n' }], reason: 'two\nlines' }),
    task({ status: 'failed', reason: 'exit 1', errorKind: 'command' }),
    { type: 'unreachable', host: 'hypervisor-2', reason: 'timed out', errorKind: 'timeout' },
    { type: 'batch', index: 1, of: 2, hosts: ['hv1'] },
    recap({ untouched: ['hv9'], stopReason: 'batch 1 failed', exitCode: 2 }),
  ]
  const lines: string[] = []
  const report = jsonReporter((l) => lines.push(l))
  for (const e of events) report(e)
  assert.is(lines.length, events.length)
  // Newlines inside values are escaped: a line is always a whole event.
  for (const l of lines) assert.not.ok(l.includes('\n'), l)
  assert.equal(
    lines.map((l) => JSON.parse(l)),
    events,
  )
  assert.equal(
    lines.map((l) => JSON.parse(l).type),
    ['play', 'task', 'task', 'unreachable', 'batch', 'recap'],
  )
})

test.run()
