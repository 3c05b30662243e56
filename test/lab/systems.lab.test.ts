/**
 * The lab profiles of issue 29 on the real machine: systemd-networkd (plain,
 * and under netplan as Ubuntu Server runs it) and ifupdown2 (as on Proxmox
 * VE) bring the uplink up from the host's own files, checked with each
 * system's own tools (networkctl, netplan get, ifquery --check); `lab reboot`
 * brings it back; DHCP where the system has a client of its own; and a bridge
 * written by hand in the system's own files comes up as br0 with the address
 * after a power cycle — what proves a backend's persisted files.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { labDown, labReboot } from '../../src/lab/lab.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, onHost, useLab } from '../helpers/lab.ts'
import { skipIf } from '../helpers/skip.ts'
import { networkctlStatus } from '../network/networkd-lab.ts'

const systems = suite('lab profiles: networkd, netplan on networkd, ifupdown2')
const PROFILES = ['networkd', 'netplan-networkd-installer', 'netplan-networkd-cloud', 'ifupdown2', 'proxmox'] as const satisfies readonly LabProfile[]

const missing = process.getuid?.() === 0 ? missingPackages(undefined, [...PROFILES]) : []
const skipReason =
  process.getuid?.() !== 0 ? 'needs root (namespaces, veths, mounts)' : missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : ''
const labTest = skipIf(systems, skipReason)

const figures: string[] = []

/** The interface holding the host's lab address, and whether the default route goes via its gateway on it. */
async function holder(host: HostPlan) {
  const links = JSON.parse(await onHost(host, 'ip -j -4 addr show')) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[]
  const dev = links.find((l) => l.addr_info.some((a) => a.local === host.address && a.prefixlen === host.prefix))?.ifname
  const routes = JSON.parse(await onHost(host, 'ip -j -4 route show default')) as { gateway?: string; dev: string }[]
  return { dev, defaultVia: routes.find((r) => r.gateway === host.gateway)?.dev }
}

async function assertHolds(host: HostPlan, dev: string) {
  assert.equal(await holder(host), { dev, defaultVia: dev }, `${host.name}: ${host.address} and the default route on ${dev}`)
  // Nothing of the host's own system pointed it outside the lab.
  assert.is((await onHost(host, 'cat /etc/resolv.conf')).trim(), `nameserver ${host.gateway}`)
}

/** What shows the profile's own system brought `dev` up from the host's own files, by that system's own tools. */
async function assertOwnSystem(host: HostPlan, profile: (typeof PROFILES)[number], dev: string, dhcp = false) {
  await assertHolds(host, dev)
  const procs = (await onHost(host, 'ps -e -o user:20=,comm=')).split('\n').map((l) => l.trim().split(/\s+/))
  const networkd = procs.some(([user, comm]) => user === 'systemd-network' && comm === 'systemd-network')
  assert.not.ok(procs.some(([, comm]) => comm === 'NetworkManager'), `${host.name}: no NetworkManager`)
  const address = dhcp ? `${host.address} (DHCP4 via ${host.gateway})` : host.address
  switch (profile) {
    case 'networkd': {
      assert.ok(networkd, `${host.name}: systemd-networkd runs as its user`)
      const status = await networkctlStatus(host, dev)
      assert.match(status, new RegExp(`Network File: /etc/systemd/network/${dev === 'eth0' ? '10-eth0' : dev}\\.network$`, 'm'))
      assert.match(status, new RegExp(`^\\s*Address: ${address.replace(/[.()]/g, '\\$&')}$`, 'm'))
      break
    }
    case 'netplan-networkd-installer':
    case 'netplan-networkd-cloud': {
      assert.ok(networkd, `${host.name}: systemd-networkd runs as its user`)
      const status = await networkctlStatus(host, dev)
      // netplan generate rendered it: networkd read netplan's file in /run.
      assert.match(status, new RegExp(`Network File: /run/systemd/network/10-netplan-${dev}\\.network$`, 'm'))
      assert.match(status, new RegExp(`^\\s*Address: ${address.replace(/[.()]/g, '\\$&')}$`, 'm'))
      const file = profile === 'netplan-networkd-cloud' ? '50-cloud-init.yaml' : '00-installer-config.yaml'
      assert.equal((await onHost(host, 'ls /etc/netplan')).trim().split('\n'), [file], 'no renderer file: networkd is the default')
      if (dev === 'eth0' && !dhcp) assert.equal(parse(await onHost(host, 'netplan get ethernets.eth0.addresses')), [`${host.address}/${host.prefix}`])
      break
    }
    case 'ifupdown2':
    case 'proxmox': {
      assert.not.ok(networkd, `${host.name}: no systemd-networkd`)
      // ifupdown2's own tools: its ifup, and ifquery --check of what runs against the file.
      assert.is((await onHost(host, 'readlink /usr/sbin/ifup')).trim(), '/usr/share/ifupdown2/ifupdown2')
      assert.match(await onHost(host, "dpkg-query -W -f='${Status}' ifupdown2"), /^install ok installed$/)
      const check = await onHost(host, `ifquery --check ${dev}`)
      assert.match(check, new RegExp(`^\\s*address ${host.address.replace(/\./g, '\\.')}/${host.prefix}\\s+\\[pass\\]$`, 'm'))
      assert.not.match(check, /\[fail\]/)
      break
    }
  }
}

const put = (path: string, content: string, mode = '644') =>
  `mkdir -p ${path.replace(/\/[^/]+$/, '')} && echo ${Buffer.from(content).toString('base64')} | base64 -d >${path} && chmod ${mode} ${path}`

/** br0 over eth0 with the host's address, written by hand in the system's own files. */
function persistBridge(host: HostPlan, profile: (typeof PROFILES)[number]): string {
  const a = `${host.address}/${host.prefix}`
  switch (profile) {
    case 'networkd':
      return [
        put('/etc/systemd/network/br0.netdev', '[NetDev]\nName=br0\nKind=bridge\n'),
        put('/etc/systemd/network/br0.network', `[Match]\nName=br0\n\n[Network]\nAddress=${a}\nGateway=${host.gateway}\nDNS=${host.gateway}\n`),
        put('/etc/systemd/network/10-eth0.network', '[Match]\nName=eth0\n\n[Network]\nBridge=br0\n'),
      ].join(' && ')
    case 'netplan-networkd-installer':
    case 'netplan-networkd-cloud':
      // Over the uplink's own file (merged, both would give eth0 its address).
      return put(
        profile === 'netplan-networkd-cloud' ? '/etc/netplan/50-cloud-init.yaml' : '/etc/netplan/00-installer-config.yaml',
        `network:\n  version: 2\n  ethernets:\n    eth0: {}\n  bridges:\n    br0:\n      interfaces: [eth0]\n      parameters:\n        stp: false\n        forward-delay: 0\n      addresses: [${a}]\n      routes:\n        - to: default\n          via: ${host.gateway}\n      nameservers:\n        addresses: [${host.gateway}]\n`,
        '600',
      )
    case 'ifupdown2':
    case 'proxmox':
      return put(
        '/etc/network/interfaces',
        `auto lo\niface lo inet loopback\n\niface eth0 inet manual\n\nauto br0\niface br0 inet static\n\taddress ${a}\n\tgateway ${host.gateway}\n\tbridge-ports eth0\n\tbridge-stp off\n\tbridge-fd 0\n\nsource /etc/network/interfaces.d/*\n`,
      )
  }
}

async function reboot(names: string[]) {
  const res = await labReboot(names, TEST_LAB)
  for (const r of res.hosts) {
    assert.ok(r.ok, r.error)
    assert.equal(r.failedUnits ?? [], [], `${r.name}: no unit failed at boot`)
  }
  return res.hosts.map((r) => r.seconds)
}

systems.before(async () => {
  if (!skipReason) await labDown(TEST_LAB)
})
systems.after(async () => {
  if (!skipReason) await labDown(TEST_LAB)
  if (figures.length) console.log(`\n  measured:\n${figures.map((f) => `    ${f}`).join('\n')}`)
})

for (const profile of PROFILES) {
  const uplink = profile === 'proxmox' ? 'vmbr0' : 'eth0'
  labTest(`${profile}: ${uplink} holds the address from the host's own files, again after lab reboot; a bridge written by hand in them comes up as br0 after the next`, async () => {
    const up = await useLab(1, profile)
    const [host] = up.hosts
    await assertOwnSystem(host, profile, uplink)
    if (profile === 'proxmox') assert.is(JSON.parse(await onHost(host, 'ip -j link show eth0'))[0].master, 'vmbr0')
    const [first] = await reboot([host.name])
    await assertOwnSystem(host, profile, uplink)

    await onHost(host, persistBridge(host, profile))
    const [second] = await reboot([host.name])
    await assertOwnSystem(host, profile === 'proxmox' ? 'ifupdown2' : profile, 'br0')
    const [eth0] = JSON.parse(await onHost(host, 'ip -j link show eth0'))
    assert.is(eth0.master, 'br0')
    assert.is((await onHost(host, 'test -e /sys/class/net/vmbr0 && echo kept || echo gone')).trim(), 'gone')
    if (profile.startsWith('netplan')) assert.equal(parse(await onHost(host, 'netplan get bridges.br0.interfaces')), ['eth0'])
    const [br0] = JSON.parse(await onHost(host, 'ip -j link show br0'))
    figures.push(`${profile.padEnd(27)} up ${up.seconds.toFixed(1)} s, reboot ${first.toFixed(1)} s, reboot into br0 ${second.toFixed(1)} s; br0's MAC ${br0.address === host.mac ? "is eth0's" : `${br0.address}, not eth0's`}`)
  })
}

labTest('DHCP: networkd and netplan on networkd take the lease with networkd\'s own client, and again after lab reboot', async () => {
  const dhcpProfiles = ['networkd', 'netplan-networkd-installer', 'netplan-networkd-cloud'] as const
  const { hosts, seconds } = await useLab(3, dhcpProfiles.join(','), true)
  for (const [i, h] of hosts.entries()) await assertOwnSystem(h, dhcpProfiles[i], 'eth0', true)
  const times = await reboot(hosts.map((h) => h.name))
  for (const [i, h] of hosts.entries()) await assertOwnSystem(h, dhcpProfiles[i], 'eth0', true)
  figures.push(`DHCP fleet of 3: up ${seconds.toFixed(1)} s, reboot ${times.map((t) => t.toFixed(1)).join(', ')} s`)
})

labTest('ifupdown2 and proxmox refuse --dhcp (no DHCP client on the machine)', async () => {
  try {
    await useLab(1, 'proxmox', true)
    assert.unreachable('should have been refused')
  } catch (e) {
    assert.match((e as Error).message, /invalid --dhcp: profile proxmox/)
  }
})

systems.run()
