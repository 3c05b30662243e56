/**
 * A mixed fleet (issue 29): one host of every lab profile — every network
 * system kvmplay knows, in the layouts admins, installers and cloud images
 * write, and a Proxmox host whose guests go to the vmbr0 it was installed
 * with — migrates in one run; a second run changes nothing; after a power
 * cycle of the whole fleet every host comes back bridged from its own files,
 * its guests on the bridge. Each host is read on the host, not from
 * kvmplay's report.
 */
import * as assert from 'uvu/assert'
import { suite } from 'uvu'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { LAB_PROFILES, isBare } from '../../src/lab/profiles.ts'
import { TEST_LAB, fleetSuite, onHost } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
// Bare hosts have no libvirt to migrate until the bootstrap playbook installs it (bare.lab.test.ts).
const PROFILES = LAB_PROFILES.filter((p) => !isBare(p))

const s = suite('a mixed fleet: one host of every profile')
const { it, fleet } = fleetSuite(s, PROFILES)

/** Proxmox's guests go to its installer's vmbr0 (a host var, as a user's inventory says it); every other host's to br0. */
const bridgeOf = (h: HostPlan) => (PROFILES[fleet.hosts.indexOf(h)] === 'proxmox' ? 'vmbr0' : 'br0')
let inventory = ''

/** The bridge holds the uplink's address and the default route, the uplink is its port, and every guest NIC is on it. */
async function bridged(h: HostPlan) {
  const bridge = bridgeOf(h)
  const links = JSON.parse(await onHost(h, 'ip -j addr show')) as { ifname: string; master?: string; addr_info: { local: string; prefixlen: number }[] }[]
  const br = links.find((l) => l.ifname === bridge)
  const profile = PROFILES[fleet.hosts.indexOf(h)]
  assert.ok(br?.addr_info.some((a) => a.local === h.address && a.prefixlen === h.prefix), `${h.name} (${profile}): ${bridge} carries ${h.address}`)
  assert.is(links.find((l) => l.ifname === 'eth0')?.master, bridge, `${h.name} (${profile}): eth0 is ${bridge}'s port`)
  assert.match(await onHost(h, 'ip route show default'), `dev ${bridge}`, `${h.name} (${profile})`)
  const ifaces = (await onHost(h, 'for d in $(virsh -q list --all --name); do virsh -q domiflist "$d"; done')).split('\n').filter((l) => l.trim())
  assert.ok(ifaces.length > 0, `${h.name} has guests`)
  for (const r of ifaces) assert.match(r, new RegExp(`\\sbridge\\s+${bridge}\\s`), `${h.name} (${profile}): ${r}`)
}

it('one run migrates every host, whatever keeps its network; a second run changes nothing', async () => {
  const proxmox = fleet.hosts[PROFILES.indexOf('proxmox')]
  inventory = fleet.inventory.replace(/\.yaml$/, '-mixed.yaml')
  // The Proxmox host's bridge, as a host var: `  hN:` is followed by its vars, four spaces deeper.
  writeFileSync(inventory, readFileSync(fleet.inventory, 'utf8').replace(new RegExp(`^(\\s+)${proxmox.name}:\\n`, 'm'), `$1${proxmox.name}:\n$1  bridge: vmbr0\n`))
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of fleet.hosts) await bridged(h)
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
  assert.is(again.code, 0, again.out + again.err)
  const recap = recapOf(again.out)
  for (const h of fleet.hosts) assert.is(recap.hosts[h.name].changed, 0, `${h.name} (${PROFILES[fleet.hosts.indexOf(h)]}): ${JSON.stringify(recap.hosts[h.name])}`)
})

it('after a power cycle of the fleet every host comes back bridged from its own files, and a run changes nothing', async () => {
  const r = kvmplay(['lab', 'reboot', '--all', ...LAB_ARGS])
  assert.is(r.code, 0, r.out + r.err)
  // The lab's `none` host has no system to bring anything back: the lab configures its eth0 from outside, as before the migration.
  for (const h of fleet.hosts.filter((_, i) => PROFILES[i] !== 'none')) await bridged(h)
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json', '-l', fleet.hosts.filter((_, i) => PROFILES[i] !== 'none').map((h) => h.name).join(',')])
  assert.is(res.code, 0, res.out + res.err)
  const recap = recapOf(res.out)
  for (const [name, counts] of Object.entries(recap.hosts)) assert.is((counts as { changed: number }).changed, 0, `${name}: ${JSON.stringify(counts)}`)
})

s.run()
