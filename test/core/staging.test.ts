/**
 * Files a later task of the play puts in place under its confirmed apply:
 * persistBridge's wait for applyBridge (Plan.stage, Task.takesStaged). With
 * a taker later in the play the runner keeps them for it and writes nothing;
 * alone, the task writes them as any file task. Local connection, real files.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost, RunOptions } from '../../src/core/runner.ts'
import { playbook } from '../../src/core/playbook.ts'
import { defineTask } from '../../src/core/task.ts'
import type { StagedFile, Task } from '../../src/core/task.ts'
import { connectLocal } from '../../src/connection/local.ts'
import { command } from '../../tasks/index.ts'
import { planPersisted } from '../../tasks/bridge.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('stage')

const local: RunHost = { name: 'a', vars: {}, groups: ['all'], target: { kind: 'local', host: 'a', commandTimeoutMs: 10_000 } }
const options = (dir: string): RunOptions => ({ playbookDir: dir, connect: async (t) => connectLocal(t as never) })

/** A persist-like task: the file through the file task's steps, offered under `key`. */
const persist = (path: string, key: string): Task =>
  defineTask({ name: 'persist', plan: async (host) => ({ ...(await planPersisted(host, [{ path, content: 'new\n' }]).then(({ steps, staged }) => ({ steps, stage: { key, files: staged } }))) }) })

/** An apply-like task that takes `key`, and records what it was given. */
const taker = (key: string, got: StagedFile[][]): Task =>
  defineTask({ name: 'apply', takesStaged: key, plan: (host) => (got.push(host.takeStaged?.(key) ?? []), { steps: [], reason: 'recorded' }) })

test('with a taker later in the play, the files are staged for it and nothing is written', async () => {
  const dir = temp.make()
  const path = join(dir, 'br0.conf')
  const got: StagedFile[][] = []
  const run = await runPlaybook(playbook({ name: 'p', hosts: 'all', tasks: [persist(path, 'k'), command({ cmd: 'true' }), taker('k', got)] }), [local], options(dir))
  assert.not.ok(existsSync(path), 'not written by the persisting task')
  assert.equal(got.map((files) => files.map((f) => [f.path, f.content, f.original.content])), [[[path, 'new\n', undefined]]])
  const staged = run.results.find((r) => r.task === 'persist')!
  assert.is(staged.status, 'changed')
  assert.match(staged.reason ?? '', `staged: 'apply' writes ${path} under its confirmed apply`)
})

test('alone, or with a taker of another key, the task writes its files itself; --check stages nothing either', async () => {
  const dir = temp.make()
  const path = join(dir, 'br0.conf')
  const got: StagedFile[][] = []
  const checked = await runPlaybook(playbook({ name: 'p', hosts: 'all', tasks: [persist(path, 'k'), taker('k', got)] }), [local], { ...options(dir), check: true })
  assert.is(checked.recap.a.changed, 1)
  assert.equal(got, [[]], 'nothing staged under --check')
  assert.not.ok(existsSync(path))
  await runPlaybook(playbook({ name: 'p', hosts: 'all', tasks: [persist(path, 'k'), taker('other', got)] }), [local], options(dir))
  assert.is(readFileSync(path, 'utf8'), 'new\n')
})

test.after(temp.removeAll)
test.run()
