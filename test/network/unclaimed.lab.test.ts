/**
 * No bridge that vanishes at the next boot (issue 29, item 4): on a host
 * whose network no system that kvmplay knows keeps (the lab's `none`: the
 * seed's ifcfg files, nothing that reads them), the migration is refused
 * before anything changes, saying what was found and the two ways out —
 * unless the inventory names the system (network_backend, as the lab's own
 * inventory does for such hosts) or the playbook asks for a bridge that lasts
 * until the next reboot only (until_reboot), which then persists nothing and
 * is gone after a power cycle.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TEST_LAB, fleetSuite, onHost } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { assertUnbridged } from './bridge-lab.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]

const s = suite('a host no network system keeps')
const { it, fleet } = fleetSuite(s, ['none'])

/** The lab's inventory without its network_backend lines: the fleet as a user who has not said which system keeps it. */
function unnamedInventory(): string {
  const path = join(TEST_LAB.dir, 'inventory-unnamed.yaml')
  writeFileSync(path, readFileSync(fleet.inventory, 'utf8').replace(/^\s*network_backend: .*\n/gm, ''))
  return path
}

/** Everything the migration could touch: the ifcfg files, the links, libvirt's networks and the guests' NICs. */
const state = () =>
  onHost(
    fleet.hosts[0],
    "md5sum /etc/sysconfig/network-scripts/*; ip -br addr | awk '{ $2 = \"\"; print }'; virsh net-list --all --name; virsh domiflist vm1; virsh domiflist vm2",
  )

it('refused before anything changes: the error names what was found and says how to go on', async () => {
  const inventory = unnamedInventory()
  assert.not.match(readFileSync(inventory, 'utf8'), 'network_backend')
  const before = await state()
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
  assert.is(res.code, 2, res.out + res.err)
  const failed = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.status === 'failed')
  assert.is(failed.task, 'persist bridge br0', res.out)
  assert.match(failed.reason, /no network system that kvmplay knows keeps eth0 on this host \(.*\), so a bridge persisted by kvmplay would vanish at the next boot: name the system .* with backend .* or ask for a bridge that lasts until the next reboot only with untilReboot: true; nothing was changed/)
  assert.is(await state(), before, 'nothing changed on the host')
})

it('until_reboot: bridged and migrated with nothing persisted; a second run changes nothing; gone after a power cycle', async () => {
  const inventory = unnamedInventory()
  const h = fleet.hosts[0]
  const files = await onHost(h, 'md5sum /etc/sysconfig/network-scripts/*')
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-e', 'until_reboot=true', '--json'])
  assert.is(res.code, 0, res.out + res.err)
  const persisted = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.task === 'persist bridge br0')
  assert.match(persisted.reason, 'br0 is not persisted: it lasts until the next reboot (untilReboot)')
  assert.match(await onHost(h, 'ip -br addr show br0'), h.address)
  assert.is(await onHost(h, 'md5sum /etc/sysconfig/network-scripts/*'), files, 'no file written')
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '-e', 'until_reboot=true', '--json'])
  assert.is(again.code, 0, again.out + again.err)
  assert.is(recapOf(again.out).hosts[h.name].changed, 0, again.out)
  const r = kvmplay(['lab', 'reboot', h.name, ...LAB_ARGS])
  assert.is(r.code, 0, r.out + r.err)
  await assertUnbridged(h)
})

s.run()
