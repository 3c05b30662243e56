/**
 * The lab suite of a backend (ifupdown, netplan): on a fresh lab of the
 * profile, the fleet migration by the real CLI, checked on the hosts; a
 * second run changes nothing; a power cycle brings br0 back from the host's
 * own files alone; a wrong address rolls back, and after a power cycle the
 * host comes up with its old network, from its old files.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { TEST_LAB, labSkipReason, onHost, useLab } from '../helpers/lab.ts'
import { FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'
import { skipIf } from '../helpers/skip.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const CUTOVER = join(FIXTURES, 'cutover.play.ts')
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]

export interface BridgeLabSpec {
  profile: LabProfile
  /** What the persisted files say once bridged, read on the host. */
  assertPersisted: (h: HostPlan) => Promise<void>
  /** What the network system itself says once bridged (its state, its profiles). */
  assertSystemBridged: (h: HostPlan) => Promise<void>
  /** The files the rollback must put back, as a command whose output is compared before and after. */
  filesDigest: string
  /** The hosts' uplinks take their address by DHCP (`lab up --dhcp`). */
  dhcp?: boolean
  /** What to read on each host before the migration (the uplink's DHCP client ID, say), for assertSystemBridged to compare. */
  beforeMigration?: (h: HostPlan) => Promise<void>
}

/** br0 carries the host's address and the default route, eth0 is its port and carries none. */
export async function assertBridged(h: HostPlan) {
  const addrs = JSON.parse(await onHost(h, 'ip -j addr show')) as { ifname: string; master?: string; addr_info: { family: string; local: string; prefixlen: number; scope: string }[] }[]
  const br0 = addrs.find((l) => l.ifname === 'br0')
  const eth0 = addrs.find((l) => l.ifname === 'eth0')!
  assert.ok(br0, `${h.name}: br0 exists`)
  assert.ok(br0!.addr_info.some((a) => a.local === h.address && a.prefixlen === h.prefix), `${h.name}: br0 carries ${h.address}/${h.prefix}`)
  assert.is(eth0.master, 'br0', `${h.name}: eth0 is br0's port`)
  assert.equal(eth0.addr_info.filter((a) => a.family === 'inet'), [], `${h.name}: eth0 carries no IPv4 address`)
  assert.match(await onHost(h, 'ip route show default'), new RegExp(`^default via ${h.gateway.replace(/\./g, '\\.')} dev br0`))
  assert.is((await onHost(h, 'cat /sys/class/net/br0/address')).trim(), h.mac, 'br0 keeps the uplink\'s MAC')
}

/** libvirt: the br0 network active, every guest NIC on br0, default gone. */
export async function assertGuestsOnBridge(h: HostPlan) {
  assert.match(await onHost(h, 'virsh -q net-list --all'), /^\s*br0\s+active\s+yes/m)
  assert.not.match(await onHost(h, 'virsh -q net-list --all'), /^\s*default\s/m)
  const ifaces = await onHost(h, 'for d in $(virsh -q list --all --name); do virsh -q domiflist "$d"; done')
  const rows = ifaces.split('\n').filter((l) => l.trim())
  assert.ok(rows.length > 0, `${h.name} has guests`)
  for (const r of rows) assert.match(r, /\sbridge\s+br0\s/, `${h.name}: ${r}`)
}

/** eth0 carries the address and the default route, no br0: the network as the lab made it. */
export async function assertUnbridged(h: HostPlan) {
  assert.match(await onHost(h, 'ip -br -4 addr show eth0'), `${h.address}/${h.prefix}`)
  assert.match(await onHost(h, 'ip route show default'), new RegExp(`^default via ${h.gateway.replace(/\./g, '\\.')} dev eth0`))
  assert.is((await onHost(h, 'ip -br link show br0 2>/dev/null | wc -l')).trim(), '0', `${h.name}: no br0`)
}

export function bridgeLabSuite(spec: BridgeLabSpec) {
  const s = suite(`${spec.profile} backend on the lab${spec.dhcp ? ' (DHCP uplinks)' : ''}`)
  const missing = labSkipReason ? [] : missingPackages(undefined, [spec.profile])
  const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
  const it = skipIf(s, skip)
  let hosts: HostPlan[] = []
  let inventory = ''

  const up = async () => {
    await labDown(TEST_LAB)
    const lab = await useLab(2, spec.profile, spec.dhcp)
    hosts = lab.hosts
    inventory = lab.inventory
  }
  const reboot = (...names: string[]) => {
    const r = kvmplay(['lab', 'reboot', ...(names.length ? names : ['--all']), ...LAB_ARGS])
    assert.is(r.code, 0, r.out + r.err)
  }

  if (!skip) s.after(async () => void (await labDown(TEST_LAB)))

  it('the fleet migration bridges every host the ' + spec.profile + ' way: br0 carries the address, eth0 its port, the files persisted, the guests on br0', async () => {
    await up()
    for (const h of hosts) await spec.beforeMigration?.(h)
    const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
    assert.is(res.code, 0, res.out + res.err)
    const recap = recapOf(res.out)
    for (const h of hosts) {
      assert.is(recap.hosts[h.name].failed, 0, res.out)
      assert.ok(recap.hosts[h.name].changed > 0)
      await assertBridged(h)
      await spec.assertPersisted(h)
      await spec.assertSystemBridged(h)
      await assertGuestsOnBridge(h)
    }
  })

  it('a second run changes nothing', async () => {
    const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
    assert.is(res.code, 0, res.out + res.err)
    const recap = recapOf(res.out)
    for (const h of hosts) assert.is(recap.hosts[h.name].changed, 0, `${h.name}:\n${res.out}`)
  })

  it('after a power cycle of every host, ' + spec.profile + ' brings br0 up from its own files alone', async () => {
    reboot()
    for (const h of hosts) {
      await assertBridged(h)
      await spec.assertPersisted(h)
      await spec.assertSystemBridged(h)
      await assertGuestsOnBridge(h)
    }
    const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
    assert.is(res.code, 0, res.out + res.err)
    for (const h of hosts) assert.is(recapOf(res.out).hosts[h.name].changed, 0, `after the reboot, ${h.name}:\n${res.out}`)
  })

  it('a wrong address rolls back, files included; after a power cycle the host comes up with its old network', async () => {
    await up()
    const h1 = hosts[0]
    const before = await onHost(h1, spec.filesDigest)
    const wrong = h1.address.replace(/\.\d+$/, '.99')
    const res = kvmplay(['run', CUTOVER, '-i', inventory, '-l', h1.name, '-e', 'confirm_timeout=8', '-e', `${h1.name}_br_address=${wrong}`, '-e', `${h1.name}_br_prefix=${h1.prefix}`, '--json'])
    assert.is(res.code, 2, res.out + res.err)
    const recap = recapOf(res.out)
    assert.is(recap.hosts[h1.name].rolled_back, 1, res.out)
    const rolled = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.status === 'rolled_back')
    assert.match(rolled.reason, /restored its previous state by itself \(restore exit 0\), verified/, rolled.reason)
    await assertUnbridged(h1)
    assert.is(await onHost(h1, spec.filesDigest), before, 'the files are as they were')
    reboot(h1.name)
    await assertUnbridged(h1)
    assert.is(await onHost(h1, spec.filesDigest), before)
  })

  return s
}
