/**
 * An interrupted run ends within its grace period however long a host's
 * command would take, and its recap names each host cut short: the task it
 * was abandoned in, the tasks it never ran; a host stopped between tasks
 * names only those. Local connections, real /bin/sh.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost } from '../../src/core/runner.ts'
import { playbook } from '../../src/core/playbook.ts'
import type { RunEvent } from '../../src/core/result.ts'
import { connectLocal } from '../../src/connection/local.ts'
import { command, file } from '../../tasks/index.ts'
import { abandonment, PlayProgress } from '../../src/core/interruption.ts'
import { interruptedLines } from '../../src/core/report.ts'
import { mergeRecaps } from '../../src/core/recap-merge.ts'
import { EXIT } from '../../src/core/exit-codes.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('interrupt')

const local = (name: string): RunHost => ({ name, vars: {}, groups: ['all'], target: { kind: 'local', host: name, commandTimeoutMs: 60_000 } })

test('the first signal lets what runs finish within the grace, then abandons it: the recap says where each host was', async () => {
  const dir = temp.make()
  const play = playbook({
    name: 'slow',
    hosts: 'all',
    // slow: a command that would run 30 s; quick: its first task ends within the grace.
    tasks: (host) => [
      command({ name: 'first', cmd: host.name === 'slow' ? 'sleep 30' : 'sleep 0.2' }),
      file({ name: 'second', path: join(dir, `${host.name}.conf`), content: 'x\n' }),
      command({ name: 'third', cmd: 'true' }),
    ],
  })
  const stop = new AbortController()
  const events: RunEvent[] = []
  const started = Date.now()
  setTimeout(() => stop.abort(), 100)
  const run = await runPlaybook(play, [local('slow'), local('quick')], {
    playbookDir: dir,
    connect: async (t) => connectLocal(t as never),
    onEvent: (e) => events.push(e),
    signal: stop.signal,
    interruptGraceMs: 500,
  })
  assert.ok(Date.now() - started < 5000, `the run ended ${Date.now() - started} ms after it started, not when sleep 30 did`)
  assert.is(run.exitCode, EXIT.INTERRUPTED)
  assert.equal(run.interrupted, {
    slow: { task: 'first', ran: [], notRun: ['second', 'third'] },
    quick: { ran: ['first'], notRun: ['second', 'third'] },
  })
  const recap = events.at(-1) as Extract<RunEvent, { type: 'recap' }>
  assert.equal(recap.interrupted, run.interrupted)
  assert.equal(interruptedLines(recap).slice(0, 3), [
    'INTERRUPTED: where each host was left',
    'slow   interrupted in first — not run: second, third',
    'quick  stopped between tasks — ran: first — not run: second, third',
  ])
  // Nothing the abandoned host says later reaches the report: the recap is the last event.
  await new Promise((r) => setTimeout(r, 300))
  assert.is(events.at(-1)!.type, 'recap')
})

test('a second signal abandons at once; without a signal nothing is abandoned', async () => {
  const now = new AbortController()
  const stop = new AbortController()
  let abandoned = false
  void abandonment(stop.signal, now.signal, 60_000).then(() => (abandoned = true))
  stop.abort()
  await new Promise((r) => setTimeout(r, 50))
  assert.not.ok(abandoned, 'the grace runs')
  now.abort()
  await new Promise((r) => setTimeout(r, 0))
  assert.ok(abandoned)
})

test('a play progress knows the tasks not yet started, handlers and repeated names included', () => {
  const p = new PlayProgress()
  p.planned(['a', 'b', 'a', 'c'])
  p.begin('a')
  p.end()
  p.begin('b')
  assert.equal(p.notRun(), ['a', 'c'])
  p.begin('a')
  assert.equal(p.notRun(), ['c'])
})

test('recap merge keeps every slice\'s interrupted hosts', () => {
  const recap = (hosts: string[], interrupted?: Record<string, { task?: string; notRun: string[] }>) => ({
    type: 'recap' as const,
    hosts: Object.fromEntries(hosts.map((h) => [h, { ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 }])),
    untouched: [],
    ...(interrupted ? { interrupted } : {}),
    exitCode: interrupted ? EXIT.INTERRUPTED : 0,
    durationMs: 1,
  })
  const merged = mergeRecaps([
    { source: 'a', recap: recap(['h1'], { h1: { task: 't', notRun: ['u'] } }) },
    { source: 'b', recap: recap(['h2']) },
  ])
  assert.equal(merged.interrupted, { h1: { task: 't', notRun: ['u'] } })
  assert.is(merged.exitCode, EXIT.INTERRUPTED)
})

test.after(temp.removeAll)
test.run()
