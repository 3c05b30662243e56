/**
 * A mixed fleet in one run — a NetworkManager host, an ifupdown host and a
 * netplan host — whose uplinks carry what real hypervisors' do: a second
 * IPv4 address, an IPv6 address and an IPv6 default route, each configured
 * the host's own way and brought up by it at boot. The fleet migration
 * bridges all three; every address and both default routes are on br0, in
 * the running host and, after a power cycle, from the files alone.
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
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
const PROFILES = ['networkmanager', 'ifupdown', 'netplan'] as const

const fleet = suite('a mixed fleet with dual-stack, multi-address uplinks')
const missing = labSkipReason ? [] : missingPackages(undefined, [...PROFILES])
const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
const it = skipIf(fleet, skip)

let hosts: HostPlan[] = []
let inventory = ''

/** The extra addresses of host N: a second IPv4 one in its subnet, an IPv6 one, and the IPv6 gateway. */
const extra = (h: HostPlan) => {
  const n = h.address.split('.')[2]
  return { second: h.address.replace(/\.\d+$/, '.3'), v6: `2001:db8:${n}::2`, gw6: `2001:db8:${n}::1` }
}

/** Each host's own system told of the extra addresses, the way its admin would. */
function configureExtra(h: HostPlan, profile: (typeof PROFILES)[number]): Promise<string> {
  const { second, v6, gw6 } = extra(h)
  switch (profile) {
    case 'networkmanager':
      return onHost(h, `nmcli connection modify eth0 +ipv4.addresses ${second}/${h.prefix} ipv6.method manual ipv6.addresses ${v6}/64 ipv6.gateway ${gw6}`)
    case 'ifupdown':
      return onHost(h, `printf '\\niface eth0 inet static\\n\\taddress ${second}/${h.prefix}\\n\\niface eth0 inet6 static\\n\\taddress ${v6}/64\\n\\tgateway ${gw6}\\n' >> /etc/network/interfaces`)
    case 'netplan':
      return onHost(
        h,
        `sed -i -e 's|^        - ${h.address}/${h.prefix}$|&\\n        - ${second}/${h.prefix}\\n        - "${v6}/64"|' ` +
          `-e 's|^          via: ${h.gateway}$|&\\n        - to: "::/0"\\n          via: "${gw6}"|' /etc/netplan/01-kvmplay-lab.yaml`,
      )
  }
}

/** Where every address of the host's uplink is, and its default routes' device, as the kernel has them. */
async function placement(h: HostPlan): Promise<{ v4: string[]; v6: string[]; route: string; route6: string }> {
  const { second, v6 } = extra(h)
  const links = JSON.parse(await onHost(h, 'ip -j addr show')) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[]
  const where = (addr: string) => links.find((l) => l.addr_info.some((a) => a.local === addr))?.ifname ?? 'nowhere'
  return {
    v4: [where(h.address), where(second)],
    v6: [where(v6)],
    route: (await onHost(h, 'ip route show default')).trim().replace(/^default via \S+ dev (\S+).*$/, '$1'),
    route6: (await onHost(h, 'ip -6 route show default')).trim().replace(/^default via \S+ dev (\S+).*$/, '$1'),
  }
}

const on = (dev: string) => ({ v4: [dev, dev], v6: [dev], route: dev, route6: dev })
const reboot = () => {
  const r = kvmplay(['lab', 'reboot', '--all', ...LAB_ARGS])
  assert.is(r.code, 0, r.out + r.err)
}

if (!skip) fleet.after(async () => void (await labDown(TEST_LAB)))

it('each host keeps the extra addresses in its own system, which brings them up at boot', async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(3, PROFILES.join(','))
  hosts = lab.hosts
  inventory = lab.inventory
  await Promise.all(hosts.map((h, i) => configureExtra(h, PROFILES[i])))
  reboot()
  for (const h of hosts) assert.equal(await placement(h), on('eth0'), h.name)
})

it('one run of the fleet migration bridges all three, every address and both default routes on br0', async () => {
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
  assert.is(res.code, 0, res.out + res.err)
  const recap = recapOf(res.out)
  for (const h of hosts) {
    assert.is(recap.hosts[h.name].failed + recap.hosts[h.name].rolled_back, 0, res.out)
    assert.equal(await placement(h), on('br0'), h.name)
    assert.match(await onHost(h, 'virsh -q net-list --all'), /^\s*br0\s+active\s+yes/m)
  }
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
  for (const h of hosts) assert.is(recapOf(again.out).hosts[h.name].changed, 0, `${h.name} on the second run:\n${again.out}`)
})

it('after a power cycle each system brings br0 back with all of it, from its own files alone', async () => {
  reboot()
  for (const h of hosts) {
    assert.equal(await placement(h), on('br0'), h.name)
    assert.match(await onHost(h, 'virsh -q domiflist vm1'), /\sbridge\s+br0\s/)
  }
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '--json'])
  for (const h of hosts) assert.is(recapOf(res.out).hosts[h.name].changed, 0, `${h.name} after the reboot:\n${res.out}`)
})

fleet.run()
