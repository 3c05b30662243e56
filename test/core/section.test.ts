/**
 * The report-section seam: tasks contribute per host, the runner folds each
 * section once per run and emits it just before the recap (which stays the
 * last event); the human report prints it after the recap, --json without
 * its rendering.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { tmpdir } from 'node:os'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost } from '../../src/core/runner.ts'
import { playbook } from '../../src/core/playbook.ts'
import { defineTask } from '../../src/core/task.ts'
import type { ReportSection } from '../../src/core/section.ts'
import type { RunEvent } from '../../src/core/result.ts'
import { humanReporter, jsonReporter } from '../../src/core/report.ts'
import { connectLocal } from '../../src/connection/local.ts'

const local = (name: string): RunHost => ({ name, vars: {}, groups: ['all'], target: { kind: 'local', host: name, commandTimeoutMs: 10_000 } })

const counts: ReportSection<number, { total: number; hosts: string[]; check: boolean }> = {
  name: 'counts',
  combine: (list, check) => ({ total: list.reduce((n, c) => n + c.value, 0), hosts: list.map((c) => c.host), check }),
  render: (r) => [`COUNTS ${r.total}`, `from ${r.hosts.join(' ')}`],
}

const play = playbook({
  name: 'sections',
  hosts: 'all',
  tasks: [defineTask({ name: 'count', plan: (host) => (host.contribute?.(counts, host.name === 'a' ? 1 : 2), { steps: [], reason: 'counted' }) })],
})

test('contributions of every host fold into one section event, before the recap; the summary has the result', async () => {
  const events: RunEvent[] = []
  const summary = await runPlaybook(play, [local('a'), local('b')], { playbookDir: tmpdir(), connect: async (t) => connectLocal(t as never), onEvent: (e) => events.push(e), check: true })
  const types = events.map((e) => e.type)
  assert.equal(types.slice(-2), ['section', 'recap'])
  const section = events.at(-2) as Extract<RunEvent, { type: 'section' }>
  assert.is(section.section, 'counts')
  assert.equal((section.data as { total: number }).total, 3)
  assert.equal((section.data as { check: boolean }).check, true)
  assert.equal(summary.sections.map((s) => [s.section.name, (s.result as { total: number }).total]), [['counts', 3]])

  const human: string[] = []
  const print = humanReporter({ diff: false, verbose: 0, color: false, write: (l) => human.push(l) })
  events.forEach(print)
  const recap = human.indexOf('\nRECAP')
  assert.ok(recap > 0 && human.indexOf('COUNTS 3') > recap, `the section is printed after the recap:\n${human.join('\n')}`)
  const json: string[] = []
  events.forEach(jsonReporter((l) => json.push(l)))
  assert.equal(JSON.parse(json.at(-2)!), { type: 'section', section: 'counts', data: { total: 3, hosts: ['a', 'b'], check: true } })
})

test('a run no task contributes to has no section event', async () => {
  const events: RunEvent[] = []
  const quiet = playbook({ name: 'quiet', hosts: 'all', tasks: [defineTask({ name: 'nothing', plan: () => ({ steps: [] }) })] })
  const summary = await runPlaybook(quiet, [local('a')], { playbookDir: tmpdir(), connect: async (t) => connectLocal(t as never), onEvent: (e) => events.push(e) })
  assert.not.ok(events.some((e) => e.type === 'section'))
  assert.equal(summary.sections, [])
})

test.run()
