/**
 * playbook() checks a playbook's shape when its file loads, so a mistake is
 * reported before any host is contacted; tasksFor checks what a per-host
 * task function returns and that every notify names a handler.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { playbook, isPlaybook, tasksFor } from '../../src/core/playbook.ts'
import type { PlaybookSpec } from '../../src/core/playbook.ts'
import { defineTask, converged } from '../../src/core/task.ts'
import type { Task, TaskOptions } from '../../src/core/task.ts'
import { cannedHost } from '../helpers/host.ts'
import { errorMessageOf, rejectionMessageOf } from '../helpers/errors.ts'

const noop = (name = 'noop', opts: TaskOptions = {}): Task => defineTask({ name, plan: () => converged('nothing to do') }, opts)
const spec = (o: Partial<Record<keyof PlaybookSpec, unknown>> = {}) => ({ name: 'site', hosts: 'hypervisors', tasks: [noop()], ...o }) as PlaybookSpec
const refused = (o: Partial<Record<keyof PlaybookSpec, unknown>>) => errorMessageOf('playbook', () => playbook(spec(o)))

test('a well-formed spec becomes a playbook, with empty vars and handlers by default', () => {
  const p = playbook(spec())
  assert.ok(isPlaybook(p))
  assert.is(p.kind, 'kvmplay-playbook')
  assert.equal(p.vars, {})
  assert.equal(p.handlers, {})
  assert.is(p.serial, undefined)
  assert.not.ok(isPlaybook({ name: 'site', hosts: 'all', tasks: [] }), 'a bare object is not a playbook')
  assert.not.ok(isPlaybook(null))
})

test('a misspelt key of the playbook is named with the one meant, not ignored', () => {
  assert.throws(() => playbook({ name: 'p', hosts: 'all', tasks: [], handler: {} } as never), /playbook: unknown option `handler`: did you mean `handlers`\?/)
  assert.throws(() => playbook({ name: 'p', hosts: 'all', tasks: [], serail: 1 } as never), /did you mean `serial`\?/)
})

test('a task that was not called is named by its index, with the likely fix', () => {
  assert.is(
    refused({ tasks: [noop(), noop] }),
    'playbook "site": tasks[1] is not a task (did you forget to call it, e.g. enableIpForward()?)',
  )
})

test('name, hosts, tasks and handlers of the wrong shape are refused, naming the playbook', () => {
  assert.is(errorMessageOf('playbook', () => playbook(undefined as never)), 'playbook() takes an object: { name, hosts, tasks }')
  assert.is(refused({ name: '' }), `playbook "": 'name' must be a non-empty string`)
  assert.is(refused({ hosts: '' }), `playbook "site": 'hosts' must be a host pattern such as 'hypervisors'`)
  assert.is(refused({ hosts: ['a', 'b'] }), `playbook "site": 'hosts' must be a host pattern such as 'hypervisors'`)
  assert.is(refused({ tasks: noop() }), `playbook "site": 'tasks' must be a list of tasks or a function (host) => tasks`)
  assert.is(refused({ handlers: { restart: 'systemctl restart libvirtd' } }), `playbook "site": handler 'restart' is not a task`)
})

test("vars must be an object: not a list, null or a string", () => {
  for (const vars of [['a'], null, 'site=par1']) assert.is(refused({ vars }), `playbook "site": 'vars' must be an object`, JSON.stringify(vars))
  assert.equal(playbook(spec({ vars: { site: 'par1' } })).vars, { site: 'par1' })
})

test('a bad serial or maxFailPercentage is refused when the file loads, not when the rollout reaches it', () => {
  // These are 'usage' errors: the same checks as --serial and --max-fail-percentage on the command line.
  for (const serial of [0, '0%', '150%', 'half', [1, 'x']]) {
    assert.match(errorMessageOf('usage', () => playbook(spec({ serial }))), 'invalid serial', JSON.stringify(serial))
  }
  for (const maxFailPercentage of [-1, 101, '10', NaN]) {
    assert.match(errorMessageOf('usage', () => playbook(spec({ maxFailPercentage }))), 'invalid maxFailPercentage', String(maxFailPercentage))
  }
  const ok = playbook(spec({ serial: [1, '10%', '100%'], maxFailPercentage: 25 }))
  assert.equal([ok.serial, ok.maxFailPercentage], [[1, '10%', '100%'], 25])
})

test('tasksFor: a list is every host\'s; a function of the host gives each host its own', async () => {
  const a = noop('a')
  assert.equal(await tasksFor(playbook(spec({ tasks: [a] })), cannedHost({})), [a])
  const perHost = playbook(spec({ tasks: async (host: { name: string }) => [noop(`for ${host.name}`)] }))
  assert.equal((await tasksFor(perHost, cannedHost({}, 'kvm2'))).map((t) => t.name), ['for kvm2'])
})

test('tasksFor: what a task function returns is checked per host, as playbook() checks a list', async () => {
  const returning = (value: unknown) => playbook(spec({ tasks: () => value }))
  assert.is(await rejectionMessageOf('playbook', tasksFor(returning(noop()), cannedHost({}))), "playbook 'site': tasks(h1) must return a list of tasks")
  assert.is(await rejectionMessageOf('playbook', tasksFor(returning([noop(), noop]), cannedHost({}))), "playbook 'site': tasks(h1)[1] is not a task")
})

test('tasksFor: a notify naming no handler is refused, listing the handlers there are', async () => {
  const task = noop('motd', { notify: 'restart sshd' })
  assert.is(
    await rejectionMessageOf('playbook', tasksFor(playbook(spec({ tasks: [task] })), cannedHost({}))),
    "task 'motd' notifies 'restart sshd', which is not a handler of playbook 'site' (handlers: none)",
  )
  const withHandlers = playbook(spec({ tasks: [task], handlers: { 'restart libvirtd': noop(), reload: noop() } }))
  assert.match(await rejectionMessageOf('playbook', tasksFor(withHandlers, cannedHost({}))), '(handlers: restart libvirtd, reload)')
  const named = playbook(spec({ tasks: [task], handlers: { 'restart sshd': noop() } }))
  assert.equal(await tasksFor(named, cannedHost({})), [task])
})

test.run()
