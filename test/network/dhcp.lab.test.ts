/**
 * A DHCP uplink through the migration and a power cycle (issue 15): a
 * NetworkManager and a netplan host whose eth0 takes its address by DHCP from
 * the lab's dnsmasq. The migration by the real CLI moves the lease to br0 (the
 * bridge keeps the NIC's MAC, so the lease is the same address) and persists
 * DHCP, a second run changes nothing, and after `lab reboot --all` br0 gets
 * the same address by DHCP again.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { $ } from 'zx'
import { labDown, labStatus } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import { TEST_LAB, labSkipReason, onHost, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { skipIf } from '../helpers/skip.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
const KEYFILES = '/etc/NetworkManager/system-connections'

const s = suite('DHCP uplinks on the lab')
const missing = labSkipReason ? [] : missingPackages(undefined, ['networkmanager', 'netplan'])
const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
const it = skipIf(s, skip)
let hosts: HostPlan[] = []
let inventory = ''

type Addr = { family: string; local: string; prefixlen: number; dynamic?: boolean }
type Link = { ifname: string; master?: string; addr_info: Addr[] }
const links = async (h: HostPlan) => JSON.parse(await onHost(h, 'ip -j addr show')) as Link[]

/** `dev` carries the host's lab address as a lease (dynamic), and the default route goes through it. */
async function assertLeased(h: HostPlan, dev: string) {
  const link = (await links(h)).find((l) => l.ifname === dev)
  assert.ok(link, `${h.name}: ${dev} exists`)
  const v4 = link!.addr_info.filter((a) => a.family === 'inet')
  assert.equal(v4.map((a) => `${a.local}/${a.prefixlen}`), [`${h.address}/${h.prefix}`], `${h.name}: ${dev} carries exactly its lab address`)
  assert.is(v4[0].dynamic, true, `${h.name}: ${dev}'s address is a lease (dynamic): ${JSON.stringify(v4[0])}`)
  assert.match(await onHost(h, 'ip route show default'), new RegExp(`^default via ${h.gateway.replace(/\./g, '\\.')} dev ${dev} proto dhcp`))
}

async function assertBridgedByDhcp(h: HostPlan) {
  await assertLeased(h, 'br0')
  const eth0 = (await links(h)).find((l) => l.ifname === 'eth0')!
  assert.is(eth0.master, 'br0', `${h.name}: eth0 is br0's port`)
  assert.equal(eth0.addr_info.filter((a) => a.family === 'inet'), [], `${h.name}: eth0 carries no IPv4 address`)
  assert.is((await onHost(h, 'cat /sys/class/net/br0/address')).trim(), h.mac, "br0 keeps the uplink's MAC")
}

async function assertPersistedDhcp(nm: HostPlan, np: HostPlan) {
  const keyfile = await onHost(nm, `cat ${KEYFILES}/br0.nmconnection`)
  assert.match(keyfile, /^\[ipv4\][^[]*^method=auto$/m, `${nm.name}: br0's keyfile says DHCP:\n${keyfile}`)
  assert.not.match(keyfile, /^address1=/m, `${nm.name}: no static address in br0's keyfile`)
  const own = parse(await onHost(np, 'cat /etc/netplan/90-kvmplay-br0.yaml')).network
  assert.is(own.bridges.br0.dhcp4, true, `${np.name}: kvmplay's netplan file says dhcp4: true`)
  assert.is(own.bridges.br0.addresses, undefined, `${np.name}: and no static address`)
}

const migrateAgainChangesNothing = () => {
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--json'])
  assert.is(again.code, 0, again.out + again.err)
  const recap = recapOf(again.out)
  assert.equal([recap.hosts.h1.changed, recap.hosts.h2.changed], [0, 0], again.out)
}

it('lab up --dhcp: each eth0 takes its lab address as a lease from the lab dnsmasq', async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(2, 'networkmanager,netplan', true)
  hosts = lab.hosts
  inventory = lab.inventory
  const status = await labStatus(TEST_LAB)
  assert.ok(status.dhcpServer?.pid, 'lab status names the DHCP server')
  assert.equal(status.hosts.map((h) => h.dhcp), [true, true])
  // The network rule: no DNS at all, and DHCP only (port 67) on the machine's side.
  const sockets = (await $`ss -Hlntup`).stdout.split('\n').filter((l) => l.includes(`pid=${status.dhcpServer!.pid},`))
  assert.ok(sockets.length > 0, 'dnsmasq holds a socket')
  for (const l of sockets) assert.match(l, /:67\s/, `only DHCP: ${l}`)
  for (const h of hosts) await assertLeased(h, 'eth0')
})

it('the migration moves the lease to br0 and persists DHCP; again: changed=0', async () => {
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--json'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of hosts) await assertBridgedByDhcp(h)
  await assertPersistedDhcp(hosts[0], hosts[1])
  migrateAgainChangesNothing()
})

it('after lab reboot --all br0 gets the same address by DHCP again; the migration has nothing to do', async () => {
  const r = kvmplay(['lab', 'reboot', '--all', ...LAB_ARGS])
  assert.is(r.code, 0, r.out + r.err)
  for (const h of hosts) await assertBridgedByDhcp(h)
  await assertPersistedDhcp(hosts[0], hosts[1])
  migrateAgainChangesNothing()
})

it('lab down stops the DHCP server', async () => {
  const pid = (await labStatus(TEST_LAB)).dhcpServer?.pid
  await labDown(TEST_LAB)
  assert.ok(pid && !(await import('node:fs')).existsSync(`/proc/${pid}`), `dnsmasq ${pid} ended`)
})

s.after(async () => {
  if (!skip) await labDown(TEST_LAB)
})

s.run()
