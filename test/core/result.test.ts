/**
 * exitCodeOf: the most actionable code wins — bad input (4) over a failed
 * task (2) over an unreachable host (3) — and a rolled-back cutover is a failure.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { exitCodeOf, emptyRecap } from '../../src/core/result.ts'
import type { HostRecap, TaskResult } from '../../src/core/result.ts'
import type { ErrorKind } from '../../src/core/errors.ts'
import { EXIT } from '../../src/core/exit-codes.ts'

const result = (status: TaskResult['status'], errorKind?: ErrorKind): TaskResult => ({
  host: 'h1', task: 't', status, errorKind, steps: [], diffs: [], handler: false, check: false, durationMs: 0,
})
const recap = (o: Partial<HostRecap> = {}): HostRecap => ({ ...emptyRecap(), ...o })

test('every host ok or changed: 0', () => {
  assert.is(exitCodeOf([result('ok'), result('changed')], { h1: recap({ ok: 1, changed: 1 }) }), EXIT.OK)
  assert.is(exitCodeOf([], {}), EXIT.OK)
})

test('skipped tasks are no failure', () => {
  assert.is(exitCodeOf([result('skipped')], { h1: recap({ skipped: 1 }) }), EXIT.OK)
})

test('a failed task: 2; a rolled-back cutover counts as a failure too', () => {
  assert.is(exitCodeOf([result('failed', 'command')], { h1: recap({ failed: 1 }) }), EXIT.TASK_FAILED)
  assert.is(exitCodeOf([result('rolled_back', 'rolled-back')], { h1: recap({ rolled_back: 1 }) }), EXIT.TASK_FAILED)
})

test('an unreachable host alone: 3; with a failure elsewhere, the failure wins', () => {
  assert.is(exitCodeOf([], { h1: recap({ unreachable: 1 }), h2: recap({ ok: 1 }) }), EXIT.UNREACHABLE)
  assert.is(exitCodeOf([result('failed', 'command')], { h1: recap({ unreachable: 1 }), h2: recap({ failed: 1 }) }), EXIT.TASK_FAILED)
  assert.is(exitCodeOf([], { h1: recap({ unreachable: 1 }), h2: recap({ rolled_back: 1 }) }), EXIT.TASK_FAILED)
})

test('a task failed on bad input (template, validation…): 4, over failures and unreachable hosts', () => {
  for (const kind of ['inventory', 'playbook', 'validation', 'template', 'usage'] as const) {
    const recaps = { h1: recap({ failed: 1 }), h2: recap({ unreachable: 1 }), h3: recap({ failed: 1 }) }
    assert.is(exitCodeOf([result('failed', 'command'), result('failed', kind)], recaps), EXIT.BAD_INPUT, kind)
  }
})

test('an error of a bad-input kind counts only on a failed task; a failure of another kind is 2', () => {
  assert.is(exitCodeOf([result('ok', 'validation')], { h1: recap({ ok: 1 }) }), EXIT.OK)
  for (const kind of ['connect', 'timeout', 'fact', 'precondition', undefined] as const) {
    assert.is(exitCodeOf([result('failed', kind)], { h1: recap({ failed: 1 }) }), EXIT.TASK_FAILED, String(kind))
  }
})

test.run()
