/**
 * The runner's modes and bookkeeping, on this machine through the local
 * connection (real /bin/sh, real files in a temp dir): check changes
 * nothing, the second run is all ok, handlers run once, a failure stops
 * only its host, facts are read in one round trip and dropped after a change.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost, RunOptions } from '../../src/core/runner.ts'
import { playbook } from '../../src/core/playbook.ts'
import type { RunEvent } from '../../src/core/result.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection } from '../../src/connection/types.ts'
import { file, command } from '../../tasks/index.ts'
import { KvmplayError } from '../../src/core/errors.ts'
import { defineTask } from '../../src/core/task.ts'
import { commandStep } from '../../src/core/step.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('run')

const local = (name: string): RunHost => ({ name, vars: {}, groups: ['all'], target: { kind: 'local', host: name, commandTimeoutMs: 10_000 } })

function options(events: RunEvent[] = [], calls = { n: 0 }): RunOptions {
  return {
    playbookDir: tmpdir(),
    connect: async (t) => {
      const c = connectLocal(t as never)
      return { ...c, exec: (cmd: string, o?: object) => (calls.n++, c.exec(cmd, o)) } as Connection
    },
    onEvent: (e) => events.push(e),
  }
}

const site = (dir: string) =>
  playbook({
    name: 'local',
    hosts: 'all',
    tasks: (host) => [
      file({ path: join(dir, `${host.name}.conf`), content: `host ${host.name}\n`, notify: 'changed' }),
      file({ path: join(dir, 'shared.conf'), content: 'shared\n', mode: '0640', notify: 'changed' }),
    ],
    handlers: { changed: command({ cmd: `echo x >> ${join(dir, 'handler.log')}` }) },
  })

test('check reports the changes and changes nothing; then a run converges; then nothing changes', async () => {
  const dir = temp.make()
  const checked = await runPlaybook(site(dir), [local('a')], { ...options(), check: true })
  assert.is(checked.recap.a.changed, 3) // two files and the handler, all "would change"
  assert.not.ok(existsSync(join(dir, 'a.conf')))

  const first = await runPlaybook(site(dir), [local('a')], options())
  assert.equal(first.recap.a, { ok: 0, changed: 3, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 })
  assert.is(readFileSync(join(dir, 'a.conf'), 'utf8'), 'host a\n')
  assert.is(readFileSync(join(dir, 'handler.log'), 'utf8'), 'x\n', 'the handler runs once for two notifications')

  const second = await runPlaybook(site(dir), [local('a')], options())
  assert.equal(second.recap.a, { ok: 2, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 })
  assert.is(second.exitCode, 0)
})

test('a no-op run reads every fact of the play in a single round trip', async () => {
  const dir = temp.make()
  await runPlaybook(site(dir), [local('a')], options())
  const calls = { n: 0 }
  await runPlaybook(site(dir), [local('a')], options([], calls))
  assert.is(calls.n, 1)
})

test('facts are dropped after a change: a later task sees what an earlier one wrote', async () => {
  const dir = temp.make()
  const path = join(dir, 'twice.conf')
  const play = playbook({
    name: 'twice',
    hosts: 'all',
    tasks: [file({ path, content: 'v1\n' }), file({ path, content: 'v1\n', name: 'same again' })],
  })
  const res = await runPlaybook(play, [local('a')], options())
  assert.equal(res.results.map((r) => r.status), ['changed', 'ok'])
})

test('a failed task ends its host, the others go on; exit code 2', async () => {
  const dir = temp.make()
  const play = playbook({
    name: 'fail one',
    hosts: 'all',
    tasks: (host) => [
      host.name === 'bad' ? command({ cmd: 'echo nope >&2; exit 9' }) : command({ cmd: 'true' }),
      file({ path: join(dir, `${host.name}.after`), content: 'x' }),
    ],
  })
  const res = await runPlaybook(play, [local('good'), local('bad')], options())
  assert.is(res.exitCode, 2)
  assert.is(res.recap.bad.failed, 1)
  assert.ok(existsSync(join(dir, 'good.after')))
  assert.not.ok(existsSync(join(dir, 'bad.after')))
  const failed = res.results.find((r) => r.status === 'failed')!
  assert.match(failed.reason!, /bad: run echo nope >&2; exit 9 failed \(exit 9\): nope/)
})

test('when: false skips with a reason', async () => {
  const play = playbook({ name: 'skip', hosts: 'all', tasks: [command({ cmd: 'false', when: () => false })] })
  const res = await runPlaybook(play, [local('a')], options())
  assert.equal(res.results.map((r) => [r.status, r.reason]), [['skipped', 'condition (when) is false']])
})

test('a host that cannot be connected to is unreachable (exit 3), the others converge', async () => {
  const dir = temp.make()
  const opts = options()
  const play = playbook({ name: 'u', hosts: 'all', tasks: (h) => [file({ path: join(dir, h.name), content: 'x' })] })
  const res = await runPlaybook(play, [local('up'), local('down')], {
    ...opts,
    connect: (t) => (t.host === 'down' ? Promise.reject(new KvmplayError('connect', 'down: cannot connect')) : opts.connect(t)),
  })
  assert.is(res.exitCode, 3)
  assert.is(res.recap.down.unreachable, 1)
  assert.ok(existsSync(join(dir, 'up')))
})

test('a notify that names no handler fails that host before anything runs', async () => {
  const dir = temp.make()
  const play = playbook({ name: 'n', hosts: 'all', tasks: [file({ path: join(dir, 'x'), content: 'x', notify: 'nope' })] })
  const res = await runPlaybook(play, [local('a')], options())
  assert.is(res.exitCode, 4)
  assert.match(res.results[0].reason!, "notifies 'nope', which is not a handler")
  assert.not.ok(existsSync(join(dir, 'x')))
})

test('an existing file keeps its mode and owner when the task does not set them', async () => {
  const dir = temp.make()
  const path = join(dir, 'keep.conf')
  writeFileSync(path, 'old\n', { mode: 0o600 })
  await runPlaybook(playbook({ name: 'k', hosts: 'all', tasks: [file({ path, content: 'new\n', backup: false })] }), [local('a')], options())
  assert.is(readFileSync(path, 'utf8'), 'new\n')
  const { statSync } = await import('node:fs')
  assert.is(statSync(path).mode & 0o777, 0o600)
})

test("a secret file's diff leaves the runner without its content, a task of one's own included", async () => {
  const dir = temp.make()
  const own = defineTask({
    name: 'own step',
    plan: () => ({ steps: [commandStep('write it', 'true', { diff: { label: join(dir, 'own'), before: '', after: 'token=s3cret\n', modes: { after: '0600' } } })] }),
  })
  const play = playbook({ name: 'secrets', hosts: 'all', tasks: [file({ path: join(dir, 'wifi.conf'), content: 'psk=s3cret\n', mode: '0600' }), own] })
  const events: RunEvent[] = []
  await runPlaybook(play, [local('a')], { ...options(events), check: true })
  const tasks = events.filter((e) => e.type === 'task')
  assert.equal(tasks.flatMap((e) => e.diffs.map((d) => 'redacted' in d && d.reason)), ['mode 0600', 'mode 0600'])
  assert.not.match(JSON.stringify(events), 's3cret')
})

test.after(temp.removeAll)
test.run()
