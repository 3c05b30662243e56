/**
 * The bootstrap playbook's task list per host vars, without a host (the lab
 * test, bootstrap.lab.test.ts, runs it for real): the order a bare host needs
 * (packages before the service, group and pool that they bring), keep_default
 * and admin honoured, and bad vars refused when the list is built.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import play from '../../playbooks/bootstrap-hypervisor.play.ts'
import type { Task } from '../../src/core/task.ts'

const tasksFor = async (vars: Record<string, unknown>) => {
  const tasks = play.tasks as (host: unknown) => Task[] | Promise<Task[]>
  return (await tasks({ name: 'h1', vars })).map((t) => t.name)
}

test('a bare host in order: packages first, NAT default destroyed unless kept', async () => {
  const names = await tasksFor({})
  assert.match(names[0], /^packages qemu-system-x86, qemu-utils, libvirt-daemon-system, libvirt-clients, bridge-utils/)
  assert.is(names[1], 'service libvirtd.service enabled, started')
  assert.is(names[2], 'admin in group libvirt')
  assert.ok(names.includes('destroy network default'), names.join('\n'))
  assert.is(names.filter((n) => n.startsWith('sysctl net.bridge.bridge-nf-call-')).length, 3)
  assert.ok(names.indexOf('kernel module br_netfilter') < names.findIndex((n) => n.startsWith('sysctl net.bridge')), 'the module before its keys')
  assert.not.ok((await tasksFor({ keep_default: 'true' })).includes('destroy network default'))
  assert.is((await tasksFor({ admin: 'ops' }))[2], 'ops in group libvirt')
})

test('bad vars are refused when the task list is built', async () => {
  try {
    await tasksFor({ keep_default: 'maybe' })
    assert.unreachable()
  } catch (e) {
    assert.match(String(e), 'keep_default')
  }
  try {
    await tasksFor({ admin: 'a b' })
    assert.unreachable()
  } catch (e) {
    assert.match(String(e), /user/)
  }
})

test.run()
