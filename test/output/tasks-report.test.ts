/**
 * --output tasks: Ansible's grouping. Hosts report out of step; each task's
 * block is printed once every host has reported it, moved past it or ended,
 * hosts in inventory order; the recap is the per-host reporter's.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { tasksReporter } from '../../src/core/tasks-report.ts'
import type { RunEvent, TaskResult } from '../../src/core/result.ts'
import { FIXTURES, kvmplay } from '../helpers/cli.ts'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const task = (host: string, name: string, status: TaskResult['status'] = 'ok', over: Partial<TaskResult> = {}): RunEvent => ({ type: 'task', host, task: name, status, steps: [], diffs: [], handler: false, check: false, durationMs: 1, ...over })
/** A 40-column header: 'TASK [a] ' and stars to the width. */
const STARS = '*'.repeat(31)
const recap: RunEvent = { type: 'recap', hosts: {}, untouched: [], exitCode: 2, durationMs: 1 }

function printed(events: RunEvent[], at?: number): string[] {
  const lines: string[] = []
  const report = tasksReporter({ diff: false, verbose: 0, color: false, width: 40, write: (l) => lines.push(l) })
  events.slice(0, at).forEach(report)
  return lines
}

const events: RunEvent[] = [
  { type: 'play', play: 'p', hosts: ['h1', 'h2', 'h3'], check: false },
  task('h2', 'a'),
  task('h2', 'b', 'changed', { reason: 'wrote /etc/a very long file name that goes on and on' }),
  task('h1', 'a'),
  task('h3', 'a', 'failed', { reason: 'no such file: the whole reason, however long it is' }),
  task('h1', 'b', 'changed'),
  task('h1', 'c', 'skipped'),
  recap,
]

test('a block waits for every host, then prints whole, hosts in inventory order; a failed host ends its play', () => {
  // After h2's two tasks only: h1 and h3 have not reported a.
  assert.not.ok(printed(events, 3).some((l) => l.startsWith('TASK')))
  const all = printed(events)
  const text = all.join('\n')
  assert.match(text, `TASK [a] ${STARS}\nok: [h1]\nok: [h2]\nfailed: [h3] — no such file: the whole reason, however long it is\n`)
  assert.match(text, `\nTASK [b] ${STARS}\nchanged: [h1]\nchanged: [h2] — wrote /etc/a very long…\n`)
  assert.match(text, `\nTASK [c] ${STARS}\nskipped: [h1]\n`)
  assert.ok(text.indexOf('TASK [c]') < text.indexOf('RECAP'))
})

test('blocks come out as soon as they are complete, before the recap', () => {
  const lines = printed(events, 6)
  assert.ok(lines.includes(`TASK [a] ${STARS}`))
  assert.ok(lines.includes(`TASK [b] ${STARS}`), 'h3 failed: b waits for h1 and h2 only')
  assert.not.ok(lines.includes(`TASK [c] ${STARS}`))
})

test('kvmplay run --output tasks: TASK headers with each host under them, then the recap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-output-tasks-'))
  writeFileSync(join(dir, 'hosts.ini'), '[hypervisors]\nh1 ansible_connection=local\nh2 ansible_connection=local\n')
  const { code, out, err } = kvmplay(['run', join(FIXTURES, 'tagged.play.ts'), '-i', join(dir, 'hosts.ini'), '--output', 'tasks', '-t', 'network'], { env: { KVMPLAY_MARKS: join(dir, 'marks') } })
  rmSync(dir, { recursive: true })
  assert.is(code, 0, err)
  assert.match(out, /\nTASK \[bridge\] \*+\nchanged: \[h1\] — .*\nchanged: \[h2\] — .*\n\nTASK \[facts always\] \*+\n/)
  assert.match(out, /\nRECAP\nh1 +ok=0/)
  assert.ok(out.split('\n').every((l) => l.length <= 80), 'within 80 columns off a terminal')
})

test.run()
