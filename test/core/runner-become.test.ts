/** Task-level become: a task whose become differs from the play's runs its steps on a connection of its own, opened once per kind. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost } from '../../src/core/runner.ts'
import { playbook } from '../../src/core/playbook.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { SshTarget, Target } from '../../src/connection/target.ts'
import { sshTarget } from '../helpers/ssh-target.ts'
import type { Connection } from '../../src/connection/types.ts'
import { command } from '../../tasks/index.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('task-become')

const base: SshTarget = sshTarget({ host: 'a', user: 'admin', connectTimeoutMs: 1000 })

test('a task with become: true runs its steps as root on a second connection; the others stay on the play’s', async () => {
  const dir = temp.make()
  const log = join(dir, 'log')
  const opened: Target[] = []
  // Stands in for SSH: a local shell that says whom it would run as.
  const connect = async (t: Target): Promise<Connection> => {
    opened.push(t)
    const c = connectLocal({ kind: 'local', host: t.host, commandTimeoutMs: 10_000 })
    const who = t.kind === 'ssh' ? (t.become?.user ?? t.user) : 'local'
    return { ...c, exec: (cmd, o) => c.exec(`WHO=${who}; ${cmd}`, o) }
  }
  const host: RunHost = {
    name: 'a',
    vars: {},
    groups: ['all'],
    target: base,
    targetFor: (b) => ({ ...base, become: b.become ? { method: b.becomeMethod ?? 'sudo', user: b.becomeUser ?? 'root' } : undefined }),
  }
  const play = playbook({
    name: 'mixed',
    hosts: 'all',
    tasks: [
      command({ name: 'as the login', cmd: `echo "one $WHO" >> ${log}` }),
      command({ name: 'as root', cmd: `echo "two $WHO" >> ${log}`, become: true }),
      command({ name: 'as root again', cmd: `echo "three $WHO" >> ${log}`, become: true }),
      command({ name: 'as the login again', cmd: `echo "four $WHO" >> ${log}`, become: false }),
    ],
  })
  const res = await runPlaybook(play, [host], { playbookDir: dir, connect })
  assert.is(res.exitCode, 0, JSON.stringify(res.results))
  assert.is(readFileSync(log, 'utf8'), 'one admin\ntwo root\nthree root\nfour admin\n')
  assert.is(opened.length, 2, 'one connection for the play, one for the tasks that become root')
})

test.after(temp.removeAll)
test.run()
