/** kvmplay recap merge: the slices' recaps as one run's. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mergeRecaps, mergedExitCode, recapOf } from '../../src/core/recap-merge.ts'
import type { Recap } from '../../src/core/recap-merge.ts'

const r = (hosts: Record<string, Partial<Recap['hosts'][string]>>, exitCode = 0, extra: Partial<Recap> = {}): Recap => ({
  type: 'recap',
  hosts: Object.fromEntries(Object.entries(hosts).map(([h, x]) => [h, { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0, ...x }])),
  untouched: [],
  exitCode,
  durationMs: 1000,
  ...extra,
})

test("the hosts of every slice, sorted as people number them; the longest slice's time; untouched hosts kept", () => {
  const m = mergeRecaps([
    { source: 'a', recap: r({ h10: { changed: 1 }, h2: { ok: 1 } }, 0, { durationMs: 2500 }) },
    { source: 'b', recap: r({ h1: { ok: 2 } }, 2, { untouched: ['h3'], stopReason: 'batch 1 failed beyond --max-fail-percentage 0' }) },
  ])
  assert.equal(Object.keys(m.hosts), ['h1', 'h2', 'h10'])
  assert.is(m.hosts.h10.changed, 1)
  assert.equal(m.untouched, ['h3'])
  assert.is(m.durationMs, 2500)
  assert.is(m.exitCode, 2)
  assert.is(m.stopReason, 'batch 1 failed beyond --max-fail-percentage 0')
})

test('the exit code is the most actionable: bad input, kvmplay error, interrupted, failed, unreachable, ok', () => {
  assert.is(mergedExitCode([0, 3, 2]), 2)
  assert.is(mergedExitCode([0, 3]), 3)
  assert.is(mergedExitCode([2, 99]), 99)
  assert.is(mergedExitCode([99, 1]), 1)
  assert.is(mergedExitCode([1, 4]), 4)
  assert.is(mergedExitCode([0, 0]), 0)
  assert.is(mergedExitCode([0, 137]), 1, 'a code kvmplay never gives (a killed worker) is an error')
})

test('a host in two slices, no recap at all, or a file that is not a run\'s output: each a clear error naming the file', () => {
  assert.throws(() => mergeRecaps([{ source: 's1.json', recap: r({ h1: {} }) }, { source: 's2.json', recap: r({ h1: {} }) }]), /host h1 is in two slices' recaps \(s1\.json and s2\.json\)/)
  assert.throws(() => mergeRecaps([]), /name the slices' --json outputs/)
  assert.throws(() => recapOf('{"type":"play"}\n{"type":"task"}\n', 'slice-3.json'), /^slice-3\.json: no recap at its end .*A slice that died gives no recap/)
  assert.throws(() => recapOf('PLAY x\nRECAP\n', 'human.txt'), /human\.txt: no recap at its end — was it written by 'kvmplay run --json'/)
  assert.is(recapOf(`{"type":"play"}\n${JSON.stringify(r({ h1: {} }))}\n\n`, 'ok.json').hosts.h1.ok, 0)
})

test.run()
