/** What a person sees of a fleet's run: host ranges, the grouped summary, the live progress line. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hostRanges } from '../../src/core/host-ranges.ts'
import { ResultSummary } from '../../src/core/summary.ts'
import { ProgressState } from '../../src/core/progress.ts'
import { humanReporter } from '../../src/core/report.ts'
import type { RunEvent, TaskStatus } from '../../src/core/result.ts'

const task = (host: string, name: string, status: TaskStatus, reason?: string): RunEvent => ({ type: 'task', host, task: name, status, reason, steps: [], diffs: [], handler: false, check: false, durationMs: 1 })
const hosts = Array.from({ length: 200 }, (_, i) => `h${i + 1}`)

test('host ranges: consecutive numbered names folded, others kept, in order; a zero-padded name keeps its spelling', () => {
  assert.is(hostRanges(hosts), 'h1–h200')
  assert.is(hostRanges(['h1', 'h2', 'h3', 'h5', 'db1', 'db2', 'web']), 'h1–h3, h5, db1–db2, web')
  assert.is(hostRanges(['kvm01', 'kvm02']), 'kvm01, kvm02')
  assert.is(hostRanges([]), '')
})

test('the summary: one line per task and result, the most common first; failures host by host with why; unreachable hosts last', () => {
  const s = new ResultSummary(hosts)
  for (const h of hosts) s.add(task(h, 'persist bridge br0', 'changed'))
  for (const h of hosts) s.add(task(h, 'apply bridge br0', h === 'h151' ? 'rolled_back' : h === 'h7' ? 'failed' : 'changed', h === 'h151' ? 'restored, verified' : h === 'h7' ? 'NetworkManager refused' : undefined))
  s.add({ type: 'unreachable', host: 'h201', reason: 'h201: connect timeout' })
  assert.equal(s.lines(), [
    'h1–h200  changed  persist bridge br0',
    'h1–h6, h8–h150, h152–h200  changed  apply bridge br0',
    'h7  failed  apply bridge br0 — NetworkManager refused',
    'h151  rolled_back  apply bridge br0 — restored, verified',
    'h201  unreachable  h201: connect timeout',
  ])
})

test('the human report prints the summary before the recap for more than five hosts, not for a few (it would repeat the lines above)', () => {
  const run = (names: string[]) => {
    const out: string[] = []
    const r = humanReporter({ diff: false, verbose: 0, color: false, write: (l) => out.push(l) })
    r({ type: 'play', play: 'p', hosts: names, check: false })
    for (const h of names) r(task(h, 'file', 'ok'))
    r({ type: 'recap', hosts: Object.fromEntries(names.map((h) => [h, { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 }])), untouched: [], exitCode: 0, durationMs: 5 })
    return out.join('\n')
  }
  assert.match(run(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']), /\nSUMMARY\nh1–h6  ok  file\n\nRECAP\n/)
  assert.not.match(run(['h1', 'h2', 'h3', 'h4', 'h5']), 'SUMMARY')
})

test('notableOnly leaves out the ok and skipped task lines, keeps the changed and failed ones', () => {
  const out: string[] = []
  const r = humanReporter({ diff: false, verbose: 0, color: false, write: (l) => out.push(l), notableOnly: true })
  r({ type: 'play', play: 'p', hosts: ['h1', 'h2'], check: false })
  r(task('h1', 'a', 'ok'))
  r(task('h2', 'a', 'changed'))
  r(task('h2', 'b', 'failed', 'why'))
  r(task('h1', 'b', 'skipped'))
  assert.equal(out.slice(1), ['h2    changed  a', 'h2    failed   b — why'])
})

test('the live line: done of all, changed, failed and unreachable hosts, the slowest still going with their task and time; cut to the width', () => {
  const p = new ProgressState()
  p.event({ type: 'play', play: 'p', hosts: ['h1', 'h2', 'h3', 'h4'], check: false }, 0)
  p.step({ host: 'h1', task: 'connecting' }, 0)
  p.step({ host: 'h2', task: 'connecting' }, 0)
  p.step({ host: 'h2', task: 'apply bridge br0' }, 1000)
  p.step({ host: 'h3', task: 'persist bridge br0' }, 2000)
  p.event(task('h4', 'persist bridge br0', 'changed'), 2000)
  p.step({ host: 'h4' }, 2500)
  p.event({ type: 'unreachable', host: 'h1', reason: 'x' }, 3000)
  assert.is(p.line(4000, 200), '2/4 hosts done · 1 changed · 1 unreachable — slowest: h2 apply bridge br0 (3.0 s), h3 persist bridge br0 (2.0 s)')
  assert.is(p.line(4000, 20), '2/4 hosts done · 1 …')
})

test.run()
