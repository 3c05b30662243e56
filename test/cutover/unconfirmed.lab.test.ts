/**
 * Nothing unconfirmed on disk (issue 28): on a fleet of one host of each
 * network system, in the layouts installers and cloud images write, a bridge change refused before it is applied (a probe
 * already false) and one rolled back after it (a wrong address cuts the
 * host off) each leave every file of the host's network configuration
 * byte for byte as it was — persistBridge ran before applyBridge in the
 * same play — and after a power cycle each host comes up on its old
 * network, from its old files, by its own system.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import type { HostPlan } from '../../src/lab/addressing.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { TEST_LAB, fleetSuite, onHost } from '../helpers/lab.ts'
import { FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'
import { assertUnbridged } from '../network/bridge-lab.ts'

/** The directories each system reads its network from at boot: every file in them, its mode and its bytes. */
const CONFIG: Partial<Record<LabProfile, string>> = {
  networkmanager: '/etc/NetworkManager/system-connections',
  'ifupdown-installer': '/etc/network',
  'ifupdown-cloud': '/etc/network',
  'netplan-installer': '/etc/netplan',
  'netplan-cloud': '/etc/netplan',
  'network-scripts': '/etc/sysconfig/network-scripts',
  ifupdown2: '/etc/network',
}
const PROFILES = Object.keys(CONFIG) as LabProfile[]

const digest = (h: HostPlan, profile: LabProfile) =>
  onHost(h, `cd ${CONFIG[profile]!} && find . -type f -printf '%p %m %u\\n' | sort && find . -type f -exec md5sum {} + | sort`)

const s = suite('unconfirmed bridge changes leave nothing on disk')
const { it, fleet } = fleetSuite(s, PROFILES)
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]

/** Each host's configuration before `act`, compared after it and after a power cycle of all; every host on its old network. */
async function leavesNothing(act: () => void) {
  const before = await Promise.all(fleet.hosts.map((h, i) => digest(h, PROFILES[i])))
  act()
  assert.equal(await Promise.all(fleet.hosts.map((h, i) => digest(h, PROFILES[i]))), before, 'every file as it was')
  const r = kvmplay(['lab', 'reboot', '--all', ...LAB_ARGS])
  assert.is(r.code, 0, r.out + r.err)
  for (const h of fleet.hosts) await assertUnbridged(h)
  assert.equal(await Promise.all(fleet.hosts.map((h, i) => digest(h, PROFILES[i]))), before, 'and after the power cycle')
}

it('a change refused before it is applied (a probe already false) writes nothing persistBridge planned', async () => {
  await leavesNothing(() => {
    const probes = JSON.stringify({ probes: [{ name: 'the site check', command: 'false' }] })
    const res = kvmplay(['run', join(FIXTURES, 'probes.play.ts'), '-i', fleet.inventory, '-e', probes, '--json'])
    assert.is(res.code, 2, res.out + res.err)
    const events = res.out.trim().split('\n').map((l) => JSON.parse(l))
    for (const h of fleet.hosts) {
      const persisted = events.find((e) => e.host === h.name && e.task?.startsWith('persist bridge'))
      assert.match(persisted.reason, "staged: 'apply bridge br0' writes", `${h.name}: ${persisted.reason}`)
      const applied = events.find((e) => e.host === h.name && e.task === 'apply bridge br0')
      assert.is(applied.status, 'failed', res.out)
      assert.match(applied.reason, 'before the change — nothing was changed')
    }
  })
})

it('a change rolled back after it was applied (a wrong address) puts every file back', async () => {
  await leavesNothing(() => {
    const wrong = fleet.hosts.map((h) => `${h.name}_br_address=${h.address.replace(/\.\d+$/, '.99')} ${h.name}_br_prefix=${h.prefix}`).join(' ')
    const res = kvmplay(['run', join(FIXTURES, 'cutover.play.ts'), '-i', fleet.inventory, '-e', `confirm_timeout=8 ${wrong}`, '--json'])
    assert.is(res.code, 2, res.out + res.err)
    for (const h of fleet.hosts) assert.is(recapOf(res.out).hosts[h.name].rolled_back, 1, `${h.name}:\n${res.out}`)
  })
})

s.run()
