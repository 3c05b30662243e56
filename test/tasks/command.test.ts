/**
 * command, planned against canned facts: each guard converges with its
 * reason or lets the command run; without a guard it runs every time, saying
 * so; chdir and argv lists are quoted for the remote shell; bad options are
 * refused when the playbook is built.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { command } from '../../tasks/command.ts'
import type { CommandOptions } from '../../tasks/command.ts'
import type { ConnectionStep } from '../../src/core/task.ts'
import { cannedHost } from '../helpers/host.ts'
import { errorMessageOf } from '../helpers/errors.ts'

/** A host where these paths exist and these read-only commands succeed; nothing else does. */
const host = (paths: string[] = [], succeeding: string[] = []) =>
  cannedHost({ 'path-exists': (p: string) => paths.includes(p), 'command-succeeds': (cmd: string) => succeeding.includes(cmd) })
const planOf = (opts: CommandOptions, h = host()) => command(opts).plan(h)
const stepOf = async (opts: CommandOptions, h = host()) => {
  const plan = await planOf(opts, h)
  assert.is(plan.steps.length, 1)
  return plan.steps[0] as ConnectionStep
}

test('creates: converged when the path exists, runs when it does not', async () => {
  const opts = { cmd: 'touch /var/tmp/done', creates: '/var/tmp/done' }
  assert.equal(await planOf(opts, host(['/var/tmp/done'])), { steps: [], reason: '/var/tmp/done exists' })
  const step = await stepOf(opts)
  assert.is(step.summary, 'run touch /var/tmp/done')
  assert.equal(step.shell, { command: 'touch /var/tmp/done', stdin: undefined })
})

test('removes: converged when the path is gone, runs while it exists', async () => {
  const opts = { cmd: 'rm /var/tmp/stale', removes: '/var/tmp/stale' }
  assert.equal(await planOf(opts), { steps: [], reason: '/var/tmp/stale does not exist' })
  assert.is((await stepOf(opts, host(['/var/tmp/stale']))).summary, 'run rm /var/tmp/stale')
})

test('unless: converged when the check succeeds; onlyIf: converged when it fails', async () => {
  const check = 'virsh net-info br0'
  assert.equal(await planOf({ cmd: 'virsh net-start br0', unless: check }, host([], [check])), { steps: [], reason: `'${check}' succeeds` })
  assert.is((await planOf({ cmd: 'virsh net-start br0', unless: check })).steps.length, 1)
  assert.equal(await planOf({ cmd: 'virsh net-destroy br0', onlyIf: check }), { steps: [], reason: `'${check}' fails` })
  assert.is((await planOf({ cmd: 'virsh net-destroy br0', onlyIf: check }, host([], [check]))).steps.length, 1)
})

test('every guard must let it run: the first that holds converges, with its reason', async () => {
  const opts = { cmd: 'make install', creates: '/opt/app/bin', unless: 'app --version', onlyIf: 'test -d /srv' }
  assert.is((await planOf(opts, host([], ['app --version', 'test -d /srv']))).reason, "'app --version' succeeds")
  assert.is((await planOf(opts)).reason, "'test -d /srv' fails")
  const runs = await planOf(opts, host([], ['test -d /srv']))
  assert.equal([runs.steps.length, runs.reason], [1, undefined], 'a guarded command that runs needs no note')
})

test('the guards are declared as facts, so the runner reads them with the play\'s others in one round trip', () => {
  const task = command({ cmd: 'x', creates: '/a', removes: '/b', unless: 'u', onlyIf: 'o' })
  assert.equal(task.facts!(host()).map((r) => [r.fact.name, r.args]), [['path-exists', '/a'], ['path-exists', '/b'], ['command-succeeds', 'u'], ['command-succeeds', 'o']])
  assert.equal(command({ cmd: 'x' }).facts!(host()), [])
})

test('no guard: a step every time, and the reason says why it is never ok', async () => {
  for (let run = 0; run < 2; run++) {
    const plan = await planOf({ cmd: 'systemctl restart libvirtd' })
    assert.is(plan.steps.length, 1)
    assert.is(plan.reason, 'no guard (creates/removes/unless/onlyIf): runs every time')
  }
})

test('the step declares no touches: a command may change anything, so every fact is read again after it', async () => {
  assert.is((await stepOf({ cmd: 'sed -i s/a/b/ /etc/x.conf' })).touches, undefined)
  assert.is((await stepOf({ cmd: 'x', creates: '/a' })).touches, undefined)
})

test('chdir: the command runs in that directory, which is quoted', async () => {
  assert.is((await stepOf({ cmd: 'make', chdir: '/srv/app' })).shell!.command, 'cd /srv/app && make')
  const step = await stepOf({ cmd: 'ls | wc -l', chdir: "/srv/it's here" })
  assert.is(step.shell!.command, "cd '/srv/it'\\''s here' && ls | wc -l")
  assert.is(step.summary, 'run ls | wc -l', 'the summary is the command, without the cd')
})

test('a command line is the shell\'s as written; an argv list has each word quoted', async () => {
  assert.is((await stepOf({ cmd: 'echo $HOME > /tmp/h' })).shell!.command, 'echo $HOME > /tmp/h')
  const argv = await stepOf({ cmd: ['virsh', 'net-define', '/tmp/br 0.xml', "it's", '$HOME', '--flag=1'] })
  assert.is(argv.shell!.command, "virsh net-define '/tmp/br 0.xml' 'it'\\''s' '$HOME' --flag=1")
  assert.is(command({ cmd: ['virsh', 'net-autostart', 'br0'] }).name, 'command virsh net-autostart br0')
})

test('the name: the command line, cut at 60 characters; or the one given', () => {
  assert.is(command({ cmd: `echo ${'x'.repeat(80)}` }).name, `command echo ${'x'.repeat(52)}...`)
  assert.is(command({ cmd: `echo ${'x'.repeat(55)}` }).name, `command echo ${'x'.repeat(55)}`)
  assert.is(command({ cmd: 'true', name: 'reload' }).name, 'reload')
})

test('an empty command or a relative guard path is refused when the playbook is built', () => {
  for (const cmd of ['', '   ', []]) {
    assert.is(errorMessageOf('validation', () => command({ cmd })), "command: 'cmd' must be a non-empty command line or argv list", JSON.stringify(cmd))
  }
  assert.is(errorMessageOf('validation', () => command({ cmd: 42 as never })), 'command: `cmd` must be a string or a list (each a string), not 42')
  assert.is(errorMessageOf('validation', () => command({ cmd: 'x', creates: 'done' })), 'invalid creates "done": expected an absolute path without "..", newlines or NUL')
  assert.match(errorMessageOf('validation', () => command({ cmd: 'x', removes: '/a/../b' })), 'invalid removes "/a/../b"')
  assert.match(errorMessageOf('validation', () => command({ cmd: 'x', chdir: 'srv' })), 'invalid chdir "srv"')
})

test.run()
