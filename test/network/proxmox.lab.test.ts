/**
 * Proxmox VE hosts (the lab's proxmox profile: ifupdown2, vmbr0 over eth0 as
 * its installer writes /etc/network/interfaces): the migration to br0 is
 * refused before anything of the network changes, naming vmbr0 and
 * `-e bridge=vmbr0`; with it the guests move to vmbr0 and no network file
 * changes, a second run changes nothing, a power cycle keeps it all, and the
 * way back that keeps the bridge leaves vmbr0 and its files as they were.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import { TEST_LAB, labSkipReason, onHost, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { skipIf } from '../helpers/skip.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const WAYBACK = fileURLToPath(new URL('../../playbooks/migrate-bridge-to-nat.play.ts', import.meta.url))
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
const FILES = "cd /etc/network && find . -type f -printf '%p %m\\n' | sort && find . -type f -exec md5sum {} + | sort"

const s = suite('Proxmox VE hosts: the guests to vmbr0')
const missing = labSkipReason ? [] : missingPackages(undefined, ['proxmox'])
const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
const it = skipIf(s, skip)
let h: HostPlan
let inventory = ''
let files = ''

const run = (playbook: string, ...args: string[]) => kvmplay(['run', playbook, '-i', inventory, '--json', ...args])

/**
 * vmbr0 carries the address and the default route, eth0 its port, with no br0 anywhere;
 * ifupdown2's check passes — but for vmbr0's bridge-ports once a guest is on it: Proxmox's
 * file names eth0 alone and condones no other port (Proxmox's own ifupdown2 spares its
 * tap/veth/fwpr ports, Debian's none), so ifupdown2 counts libvirt's vnetN against it.
 */
async function assertVmbr0(h: HostPlan, guests = false) {
  const links = JSON.parse(await onHost(h, 'ip -j addr show')) as { ifname: string; master?: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[]
  const vmbr0 = links.find((l) => l.ifname === 'vmbr0')
  assert.ok(vmbr0?.addr_info.some((a) => a.local === h.address && a.prefixlen === h.prefix), `vmbr0 carries ${h.address}`)
  assert.is(links.find((l) => l.ifname === 'eth0')!.master, 'vmbr0')
  assert.not.ok(links.some((l) => l.ifname === 'br0'), 'no br0')
  assert.match(await onHost(h, 'ip route show default'), new RegExp(`^default via ${h.gateway.replace(/\./g, '\\.')} dev vmbr0`))
  const check = await onHost(h, 'ifquery --check -a || true')
  assert.match(check, new RegExp(`^\\s*address ${h.address.replace(/\./g, '\\.')}/${h.prefix}\\s+\\[pass\\]$`, 'm'), check)
  const failing = check.split('\n').filter((l) => l.includes('[fail]')).map((l) => l.replace(/\s+\[fail\]$/, '').trim())
  assert.equal(failing, guests ? ['iface vmbr0 inet static', 'bridge-ports eth0'] : [], check)
  assert.is(await onHost(h, FILES), files, 'the network files as the installer wrote them')
}

/** Every guest NIC where `at` says, in libvirt's persistent and live definitions. */
async function assertGuests(h: HostPlan, at: RegExp) {
  const rows = (await onHost(h, 'for d in $(virsh -q list --all --name); do virsh -q domiflist "$d"; done')).split('\n').filter((l) => l.trim())
  assert.ok(rows.length > 0)
  for (const r of rows) assert.match(r, at, r)
}

if (!skip) s.after(async () => void (await labDown(TEST_LAB)))

it('the migration to br0 is refused, naming vmbr0 and -e bridge=vmbr0; nothing of the network changes', async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(1, 'proxmox')
  h = lab.hosts[0]
  inventory = lab.inventory
  files = await onHost(h, FILES)
  const res = run(MIGRATE)
  assert.is.not(res.code, 0, res.out + res.err)
  assert.match(res.out + res.err, /eth0 is already a port of bridge vmbr0 \(eth0 is its port now\): kvmplay does not put it into a second bridge br0\. Use vmbr0 — the migration playbooks take -e bridge=vmbr0/)
  await assertVmbr0(h)
  await assertGuests(h, /\snetwork\s+default\s/)
})

it('with -e bridge=vmbr0 the guests move to vmbr0 and no network file changes; a second run changes nothing', async () => {
  const res = run(MIGRATE, '-e', 'bridge=vmbr0')
  assert.is(res.code, 0, res.out + res.err)
  assert.ok(recapOf(res.out).hosts[h.name].changed > 0)
  await assertVmbr0(h, true)
  await assertGuests(h, /\sbridge\s+vmbr0\s/)
  assert.match(await onHost(h, 'virsh -q net-list --all'), /^\s*vmbr0\s+active\s+yes/m)
  assert.not.match(await onHost(h, 'virsh -q net-list --all'), /^\s*default\s/m)
  const again = run(MIGRATE, '-e', 'bridge=vmbr0')
  assert.is(again.code, 0, again.out + again.err)
  assert.is(recapOf(again.out).hosts[h.name].changed, 0, again.out)
})

it('after a power cycle vmbr0 comes back from the same files, the guests on it; nothing to do', async () => {
  const r = kvmplay(['lab', 'reboot', h.name, ...LAB_ARGS])
  assert.is(r.code, 0, r.out + r.err)
  await assertVmbr0(h, true)
  await assertGuests(h, /\sbridge\s+vmbr0\s/)
  const res = run(MIGRATE, '-e', 'bridge=vmbr0')
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).hosts[h.name].changed, 0, res.out)
})

it('the way back keeping the bridge: the guests on default again, vmbr0 and its files as they were', async () => {
  const res = run(WAYBACK, '-e', 'bridge=vmbr0', '-e', 'remove_bridge=false')
  assert.is(res.code, 0, res.out + res.err)
  await assertVmbr0(h)
  await assertGuests(h, /\snetwork\s+default\s/)
})

s.run()
