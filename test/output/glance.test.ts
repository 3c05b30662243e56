/**
 * Output an Ansible user reads at a glance: a task line within the terminal's
 * width (the step detail only with -v, failures whole), recap rows without
 * trailing spaces, every exit code in --help.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { humanReporter, outputWidth } from '../../src/core/report.ts'
import type { ReportOptions } from '../../src/core/report.ts'
import type { RunEvent, TaskResult } from '../../src/core/result.ts'
import { EXIT, exitCodesLine } from '../../src/core/exit-codes.ts'
import { kvmplay } from '../helpers/cli.ts'

function human(events: RunEvent[], opts: Partial<Omit<ReportOptions, 'write'>> = {}): string[] {
  const lines: string[] = []
  const report = humanReporter({ diff: false, verbose: 0, color: false, ...opts, write: (l) => lines.push(l) })
  for (const e of events) report(e)
  return lines
}

const LONG = 'link add br0 type bridge; ' + 'ip link set eth0 master br0; '.repeat(20)
const task = (over: Partial<TaskResult>): RunEvent => ({ type: 'task', host: 'h1', task: 'apply bridge br0', status: 'changed', steps: [LONG], diffs: [], handler: false, check: false, durationMs: 1, reason: LONG, ...over })
const play: RunEvent = { type: 'play', play: 'p', hosts: ['h1'], check: false }
const recap: RunEvent = { type: 'recap', hosts: { h1: { ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 } }, untouched: [], exitCode: 0, durationMs: 5 }

test('a changed task with a 500-character detail fits 80 columns, ending in an ellipsis; -v prints it whole, with its steps', () => {
  const [, line] = human([play, task({})])
  assert.ok(line.length <= 80, `${line.length}: ${line}`)
  assert.match(line, /^h1 {4}changed {2}apply bridge br0 — link add br0 .*…$/)
  const verbose = human([play, task({})], { verbose: 1 })
  assert.ok(verbose[1].length > 500)
  assert.match(verbose[2], '· link add br0')
  assert.is(human([play, task({})], { width: 120 })[1].length, 120)
})

test('a failure is never cut: its reason is the point', () => {
  const [, line] = human([play, task({ status: 'failed' })])
  assert.ok(line.length > 500)
})

test('recap rows end without trailing spaces, with colour or without', () => {
  for (const color of [false, true]) {
    const lines = human([play, recap], { color })
    const row = lines.find((l) => l.startsWith('h1'))!
    assert.is(row, row.trimEnd(), JSON.stringify(row))
    assert.match(row.replace(/\x1b\[[0-9;]*m/g, ''), /skipped=0$/)
  }
})

test('80 columns when not a terminal, the terminal width on one', () => {
  assert.is(outputWidth({ isTTY: false, columns: 200 }), 80)
  assert.is(outputWidth({ isTTY: true, columns: 132 }), 132)
})

test('--help and run --help list every exit code, 99 included', () => {
  for (const code of Object.values(EXIT)) assert.match(exitCodesLine(), `${code} `)
  for (const args of [['--help'], ['run', '--help']]) {
    const { code, out } = kvmplay(args)
    assert.is(code, 0)
    const flat = out.replace(/\s+/g, ' ')
    assert.match(flat, '99 interrupted', args.join(' '))
    assert.match(flat, '4 bad input', args.join(' '))
  }
})

test('unknown arguments to run point to kvmplay run --help', () => {
  const { code, err } = kvmplay(['run', 'x.play.ts', '-i', 'h.yaml', '--lsit-hosts'])
  assert.is(code, 4)
  assert.match(err, "Run 'kvmplay run --help' for usage.")
  assert.match(err, 'kvmplay: Unknown argument: --lsit-hosts\n', 'named once, as typed')
})

test.run()
