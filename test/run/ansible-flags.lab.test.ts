/**
 * Ansible's flags and the kept report on the lab, by the real CLI, read back
 * on the hosts: --list-hosts/--list-tasks contact nothing, --tags /
 * --start-at-task / --step choose what runs on real hosts, and the
 * migration's report is kept without --report and read by the way back
 * with no -e report=.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, labTest, onHost, useLab } from '../helpers/lab.ts'
import { FIXTURES, STATE_HOME, kvmplay, recapOf } from '../helpers/cli.ts'
import { keptReportPath } from '../../src/commands/report-state.ts'

const s = suite('ansible flags on the lab')
const it = labTest(s)
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url))
const MARKS = '/var/tmp/kvmplay-flags-marks'
let hosts: HostPlan[]
let inventory: string

/** Runs the tagged fixture on h1 of the lab; what ran there, in order, read from the host. */
async function ranOn(h: HostPlan, args: string[], input?: string) {
  await onHost(h, `rm -f ${MARKS}`)
  const res = kvmplay(['run', join(FIXTURES, 'tagged.play.ts'), '-i', inventory, '-l', h.name, ...args], { env: { KVMPLAY_MARKS: MARKS }, input })
  assert.is(res.code, 0, res.out + res.err)
  return (await onHost(h, `cat ${MARKS} 2>/dev/null || true`)).trim().split('\n').filter(Boolean)
}

s.before(async () => {
  if (labSkipReason) return
  await labDown(TEST_LAB)
  const lab = await useLab(2)
  hosts = lab.hosts
  inventory = lab.inventory
})
s.after(async () => {
  if (!labSkipReason) await labDown(TEST_LAB)
})

it('--list-hosts and --list-tasks name the fleet and the migration\'s tasks, and touch no host', async () => {
  const before = await onHost(hosts[0], 'ip -o link; virsh -q net-list --all')
  const res = kvmplay(['run', join(PLAYBOOKS, 'migrate-nat-to-bridge.play.ts'), '-i', inventory, '--list-hosts', '--list-tasks'])
  assert.is(res.code, 0, res.err)
  assert.match(res.out, `hosts (2):\n      ${hosts[0].name}\n      ${hosts[1].name}\n`)
  assert.match(res.out, `    ${hosts[0].name}–${hosts[1].name}:\n      tasks:\n        record the guests' NAT identity on default\tTAGS: []\n`)
  assert.is(await onHost(hosts[0], 'ip -o link; virsh -q net-list --all'), before)
})

it('--tags, --skip-tags, --start-at-task and --step choose what runs on the host', async () => {
  const h = hosts[0]
  assert.equal(await ranOn(h, ['-t', 'network']), ['bridge', 'facts always'])
  assert.equal(await ranOn(h, ['--skip-tags', 'always', '--start-at-task', 'bridge']), ['bridge', 'untagged one'])
  assert.equal(await ranOn(h, ['--step'], 'n\ny\nc\n'), ['bridge', 'facts always', 'untagged one'])
})

it('the migration keeps its report without --report; the way back reads it with no -e report=, and moves the NICs it lists back', async () => {
  const kept = keptReportPath(inventory, { XDG_STATE_HOME: STATE_HOME })
  const migrate = kvmplay(['run', join(PLAYBOOKS, 'migrate-nat-to-bridge.play.ts'), '-i', inventory])
  assert.is(migrate.code, 0, migrate.out + migrate.err)
  assert.match(migrate.out, `report: kept in ${kept} `)
  const back = kvmplay(['run', join(PLAYBOOKS, 'migrate-bridge-to-nat.play.ts'), '-i', inventory, '--json'])
  assert.is(back.code, 0, back.out + back.err)
  const recap = recapOf(back.out)
  for (const h of hosts) assert.is(recap.hosts[h.name].failed, 0)
  // With a report, the way back moves the NICs it lists, one task per guest NIC; without, one task for all on br0.
  const tasks = back.out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'task').map((e) => e.task as string)
  assert.ok(tasks.some((t) => t.startsWith('move vm1 interfaces')), tasks.join('\n'))
  assert.not.ok(tasks.includes('move domain interfaces on bridge br0 → network default'))
  for (const h of hosts) assert.match(await onHost(h, 'virsh -q domiflist vm1'), /\snetwork\s+default\s/)
})

s.run()
