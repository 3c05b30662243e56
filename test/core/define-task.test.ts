/**
 * defineTask's typed facts, on this machine through the local connection:
 * a task that declares its facts as a record and one that declares them as a
 * list both get the values in plan, and the runner reads every task's facts
 * in one round trip before the first plan.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost, RunOptions } from '../../src/core/runner.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection } from '../../src/connection/types.ts'
// As a playbook imports them: the public API.
import { playbook, defineTask, converged, factRequest, fileFact, pathExistsFact } from 'kvmplay'
import type { FileState } from 'kvmplay'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('facts')

const local: RunHost = { name: 'a', vars: {}, groups: ['all'], target: { kind: 'local', host: 'a', commandTimeoutMs: 10_000 } }

/** Local connections that count the commands sent to the host. */
function counting(calls: { n: number }): RunOptions {
  return {
    playbookDir: tmpdir(),
    connect: async (t) => {
      const c = connectLocal(t as never)
      return { ...c, exec: (cmd: string, o?: object) => (calls.n++, c.exec(cmd, o)) } as Connection
    },
  }
}

test('facts as a record and as a list: plan gets each value, typed, and the runner reads them all in one round trip', async () => {
  const dir = temp.make()
  const conf = join(dir, 'a.conf')
  writeFileSync(conf, 'x = 1\n')
  const seen: { record?: [FileState, boolean]; list?: [FileState, boolean] } = {}
  const byName = defineTask({
    name: 'record',
    facts: () => ({ conf: factRequest(fileFact, conf), missing: factRequest(pathExistsFact, join(dir, 'nope')) }),
    plan: (_host, { conf, missing }) => {
      // Typed: conf is a FileState, missing a boolean (tsc checks these lines).
      seen.record = [conf, missing]
      return converged('looked')
    },
  })
  const byPosition = defineTask({
    name: 'list',
    facts: () => [factRequest(fileFact, conf), factRequest(pathExistsFact, dir)],
    plan: (_host, [file, there]) => {
      seen.list = [file, there]
      return converged('looked')
    },
  })
  const calls = { n: 0 }
  const res = await runPlaybook(playbook({ name: 'facts', hosts: 'all', tasks: [byName, byPosition] }), [local], counting(calls))
  assert.equal(res.results.map((r) => [r.task, r.status]), [['record', 'ok'], ['list', 'ok']])
  assert.is(seen.record![0].content, 'x = 1\n')
  assert.is(seen.record![1], false)
  assert.is(seen.list![0].content, 'x = 1\n')
  assert.is(seen.list![1], true)
  assert.is(calls.n, 1, 'every fact of both tasks in one round trip')
})

test('a task without facts gets none, and sends nothing to the host to plan', async () => {
  const calls = { n: 0 }
  let got: unknown
  const bare = defineTask({ name: 'bare', plan: (_host, facts) => ((got = facts), converged('nothing to read')) })
  const res = await runPlaybook(playbook({ name: 'bare', hosts: 'all', tasks: [bare] }), [local], counting(calls))
  assert.is(res.results[0].status, 'ok')
  assert.equal(got, {})
  assert.is(calls.n, 0)
})

test.after(temp.removeAll)
test.run()
