/** groupMember, planned against canned getent and id output. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { groupMember } from '../../tasks/group-member.ts'
import { parseMembership, membershipFact } from '../../src/facts/accounts.ts'
import type { MembershipState } from '../../src/facts/accounts.ts'
import type { ConnectionStep } from '../../src/core/task.ts'
import { cannedHost } from '../helpers/host.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const host = (m: MembershipState) => cannedHost({ 'group-membership': () => m })
const commands = (steps: readonly unknown[]) => steps.map((s) => (s as ConnectionStep).shell!.command)
const OUT_NOT_IN = '#user\nadmin:x:1000:1000::/home/admin:/bin/bash\n#group\nlibvirt:x:117:\n#groups\nadmin sudo\n'

test('getent and id output read: the user, the group, the groups the user is in', () => {
  assert.equal(parseMembership(OUT_NOT_IN), { userExists: true, groupExists: true, groups: ['admin', 'sudo'] })
  assert.equal(parseMembership('#user\n#group\n#groups\n'), { userExists: false, groupExists: false, groups: [] })
  assert.match(membershipFact.command({ user: 'admin', group: 'libvirt' }), "getent passwd -- admin")
})

test('adds the user with usermod -aG (its other groups kept); once in, the second plan is a no-op', async () => {
  const plan = await groupMember({ user: 'admin', group: 'libvirt' }).plan(host(parseMembership(OUT_NOT_IN)))
  assert.equal(commands(plan.steps), ['usermod --append --groups libvirt -- admin'])
  assert.match(plan.steps[0].summary, "next login")
  const after = parseMembership(OUT_NOT_IN.replace('admin sudo', 'admin sudo libvirt'))
  assert.equal(await groupMember({ user: 'admin', group: 'libvirt' }).plan(host(after)), { steps: [], reason: 'admin is in group libvirt' })
})

test('a missing user: an error saying create: true; with it, useradd with the group', async () => {
  const none = parseMembership('#user\n#group\nlibvirt:x:117:\n#groups\n')
  assert.match(await rejectionMessageOf('precondition', groupMember({ user: 'ops', group: 'libvirt' }).plan(host(none))), 'user ops does not exist: create it first, or set create: true')
  const plan = await groupMember({ user: 'ops', group: 'libvirt', create: true }).plan(host(none))
  assert.equal(commands(plan.steps), ['useradd --create-home --groups libvirt -- ops'])
})

test('a group not created yet (its package comes earlier in the play, --check on a bare host): planned, and said', async () => {
  const plan = await groupMember({ user: 'admin', group: 'libvirt' }).plan(host(parseMembership('#user\nadmin:x:1000:1000::/home/admin:/bin/bash\n#group\n#groups\nadmin\n')))
  assert.is(plan.steps.length, 1)
  assert.match(plan.reason!, 'group libvirt does not exist yet')
})

test('bad names refused when the playbook is built', () => {
  assert.throws(() => groupMember({ user: 'a b', group: 'libvirt' }), /user/)
  assert.throws(() => groupMember({ user: 'admin', group: 'lib;virt' }), /group/)
})

test.run()
