/**
 * Host profiles and `lab reboot` on the real machine: each profile's own
 * network system brings eth0 up from its own files, at creation and again
 * after a power cycle; a bridge persisted by hand in the profile's format
 * comes back after one; and a mixed fleet keeps each host's profile.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { $ } from 'zx'
import { labDown, labReboot, labStatus, labUp } from '../../src/lab/lab.ts'
import { hostMemoryKiB } from '../../src/lab/host.ts'
import { readRecord } from '../../src/lab/state.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import { LAB_PROFILES, isBare, networkSystem } from '../../src/lab/profiles.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, onHost, useLab } from '../helpers/lab.ts'
import { skipIf } from '../helpers/skip.ts'

const profiles = suite('lab profiles')

const missing = process.getuid?.() === 0 ? missingPackages(undefined, LAB_PROFILES.filter((p) => !isBare(p))) : []
const skipReason =
  process.getuid?.() !== 0 ? 'needs root (namespaces, veths, mounts)' : missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : ''
const labTest = skipIf(profiles, skipReason)

/** Figures for docs/lab.md, printed as the suite goes. */
const figures: string[] = []

/** The interface that carries the host's lab address, and the default route's gateway and device. */
async function uplinkState(host: HostPlan) {
  const links = JSON.parse(await onHost(host, 'ip -j -4 addr show')) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[]
  const holder = links.find((l) => l.addr_info.some((a) => a.local === host.address && a.prefixlen === host.prefix))
  const routes = JSON.parse(await onHost(host, 'ip -j -4 route show')) as { dst: string; gateway?: string; dev: string }[]
  return { dev: holder?.ifname, routes }
}

/**
 * Every route in the host is the lab's (its /24, the default via its gateway) or libvirt's own NAT
 * network — or, from CentOS's network scripts, the link-local 169.254.0.0/16 (its ifup-post adds
 * it on each interface unless NOZEROCONF=yes; a link route, nothing leaves the link); no other name server.
 */
async function assertInsideLab(host: HostPlan, uplink: string) {
  const { routes } = await uplinkState(host)
  const subnet = host.address.replace(/\.\d+$/, '.0') + '/24'
  for (const r of routes) {
    const ok =
      (r.dst === 'default' && r.gateway === host.gateway && r.dev === uplink) ||
      (r.dst === subnet && r.dev === uplink) ||
      (r.dst === '169.254.0.0/16' && !r.gateway && r.dev === uplink) ||
      (r.dst === '192.168.122.0/24' && r.dev === 'virbr0')
    assert.ok(ok, `route outside the lab on ${host.name}: ${JSON.stringify(r)}`)
  }
  assert.is((await onHost(host, 'cat /etc/resolv.conf')).trim(), `nameserver ${host.gateway}`)
}

/** What shows that the profile's own system (not the lab) brought the uplink up. */
async function assertOwnSystem(host: HostPlan, profile: LabProfile, uplink = 'eth0') {
  const { dev, routes } = await uplinkState(host)
  assert.is(dev, uplink, `${host.name}: ${host.address} should be on ${uplink}`)
  assert.ok(routes.some((r) => r.dst === 'default' && r.gateway === host.gateway && r.dev === uplink), `${host.name}: default route via ${host.gateway} on ${uplink}`)
  const procs = (await onHost(host, 'ps -e -o comm=')).split('\n')
  const nm = procs.includes('NetworkManager')
  // Every full host has its system bus (polkit for libvirtd), whatever its network.
  assert.ok(procs.includes('dbus-daemon'), `${host.name}: a system D-Bus`)
  switch (networkSystem(profile)) {
    case 'none':
      assert.not.ok(nm, 'no NetworkManager in a host of profile none')
      break
    case 'network-scripts':
      assert.not.ok(nm, 'no NetworkManager in a host of the network scripts')
      // CentOS 7's network.service said so, and the scripts' zeroconf route is there: they brought it up.
      assert.match(await onHost(host, 'cat /var/log/network.log'), new RegExp(`^Bringing up interface ${uplink}:.*OK`, 'm'))
      assert.ok(routes.some((r) => r.dst === '169.254.0.0/16' && r.dev === uplink), `${host.name}: the network scripts' link-local route on ${uplink}`)
      break
    case 'networkmanager':
      assert.ok(nm)
      assert.match(await onHost(host, 'nmcli -t -f NAME,DEVICE connection show --active'), new RegExp(`^${uplink}:${uplink}$`, 'm'))
      break
    case 'ifupdown':
      assert.not.ok(nm)
      assert.is((await onHost(host, `cat /run/network/ifstate.${uplink}`)).trim(), uplink)
      break
    case 'netplan':
      assert.ok(nm)
      assert.match(await onHost(host, 'ls /run/NetworkManager/system-connections/'), /^netplan-.*\.nmconnection$/m)
      assert.match(await onHost(host, 'nmcli -t -f NAME,DEVICE connection show --active'), new RegExp(`^netplan-${uplink}:${uplink}$`, 'm'))
      break
  }
  if (uplink === 'eth0') await assertLayout(host, profile)
}

/** The uplink's files are still the installer's or cloud-init's, and it is they that brought eth0 up. */
async function assertLayout(host: HostPlan, profile: LabProfile) {
  const interfaces = () => onHost(host, 'cat /etc/network/interfaces')
  switch (profile) {
    case 'ifupdown-installer': {
      // Not an `auto` interface: ifup -a alone leaves it down; the boot's hotplug step (udev's, on Debian) brought it up.
      const text = await interfaces()
      assert.match(text, /^allow-hotplug eth0$/m)
      assert.not.match(text, /^auto eth0/m)
      assert.is((await onHost(host, 'ifquery --list --allow=hotplug')).trim(), 'eth0')
      break
    }
    case 'ifupdown-cloud':
      assert.equal((await interfaces()).split('\n').filter((l) => l && !l.startsWith('#')), ['source /etc/network/interfaces.d/*'])
      assert.match(await onHost(host, 'cat /etc/network/interfaces.d/50-cloud-init'), /^auto eth0\niface eth0 inet static$/m)
      break
    case 'netplan-installer':
    case 'netplan-cloud': {
      const file = profile === 'netplan-cloud' ? '50-cloud-init.yaml' : '00-installer-config.yaml'
      assert.equal((await onHost(host, 'ls /etc/netplan')).trim().split('\n'), ['01-network-manager-all.yaml', file].sort())
      // netplan named the NetworkManager connection after its own definition: eth0 came from that file.
      assert.match(await onHost(host, 'cat /run/NetworkManager/system-connections/netplan-eth0.nmconnection'), /^interface-name=eth0$/m)
      break
    }
    case 'networkmanager':
      assert.match(await onHost(host, 'cat /etc/NetworkManager/system-connections/eth0.nmconnection'), /^autoconnect-priority=-999$/m)
      break
    case 'network-scripts':
      // Anaconda's IPV6INIT=yes: ifup-ipv6 ran too (net.ipv6 is the host's own).
      assert.match(await onHost(host, 'cat /etc/sysconfig/network-scripts/ifcfg-eth0'), /^IPV6INIT=yes$/m)
      assert.match(await onHost(host, 'ip -6 addr show dev eth0'), /inet6 fe80::/)
      break
  }
}

/** After a boot: libvirt's default network active again and vm1 running again (libvirt autostarted them). */
async function assertLibvirtBack(host: HostPlan) {
  assert.match(await onHost(host, 'virsh net-list'), /^\s*default\s+active\s+yes/m)
  assert.match(await onHost(host, 'virsh list --all'), /\bvm1\s+running/)
  assert.match(await onHost(host, 'virsh list --all'), /\bvm2\s+shut off/)
}

const put = (path: string, content: string, mode = '600') =>
  `mkdir -p ${path.replace(/\/[^/]+$/, '')} && echo ${Buffer.from(content).toString('base64')} | base64 -d >${path} && chmod ${mode} ${path}`

/** A bridge br0 with eth0 as its port and the host's address, persisted in the profile's own format. */
function persistBridge(host: HostPlan, profile: LabProfile): string {
  const a = `${host.address}/${host.prefix}`
  switch (profile) {
    case 'networkmanager':
      return [
        put(
          '/etc/NetworkManager/system-connections/br0.nmconnection',
          `[connection]\nid=br0\ntype=bridge\ninterface-name=br0\n\n[bridge]\nstp=false\n\n[ipv4]\nmethod=manual\naddress1=${a},${host.gateway}\ndns=${host.gateway};\n\n[ipv6]\nmethod=disabled\n`,
        ),
        put(
          '/etc/NetworkManager/system-connections/eth0.nmconnection',
          `[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\nmaster=br0\nslave-type=bridge\n\n[ethernet]\nmac-address=${host.mac.toUpperCase()}\n`,
        ),
      ].join(' && ')
    case 'ifupdown':
      return put(
        '/etc/network/interfaces',
        `auto lo\niface lo inet loopback\n\nauto br0\niface br0 inet static\n\taddress ${a}\n\tgateway ${host.gateway}\n\tbridge_ports eth0\n\tbridge_stp off\n\tbridge_fd 0\n\tbridge_maxwait 0\n`,
        '644',
      )
    case 'netplan':
      // Without stp: false NetworkManager's default (STP on, 15 s forward delay) keeps
      // br0 without carrier for 30 s after each boot, as on a real host.
      return put(
        '/etc/netplan/01-kvmplay-lab.yaml',
        `network:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0:\n      dhcp4: false\n      dhcp6: false\n  bridges:\n    br0:\n      interfaces: [eth0]\n      parameters:\n        stp: false\n        forward-delay: 0\n      dhcp4: false\n      dhcp6: false\n      addresses: [${a}]\n      routes:\n        - to: default\n          via: ${host.gateway}\n      nameservers:\n        addresses: [${host.gateway}]\n`,
      )
    case 'network-scripts':
      return [
        put('/etc/sysconfig/network-scripts/ifcfg-br0', `DEVICE=br0\nTYPE=Bridge\nBOOTPROTO=none\nONBOOT=yes\nIPADDR=${host.address}\nPREFIX=${host.prefix}\nGATEWAY=${host.gateway}\nSTP=no\nDELAY=0\n`, '644'),
        put('/etc/sysconfig/network-scripts/ifcfg-eth0', `DEVICE=eth0\nTYPE=Ethernet\nBOOTPROTO=none\nONBOOT=yes\nHWADDR=${host.mac}\nBRIDGE=br0\n`, '644'),
      ].join(' && ')
    default:
      throw new Error(`no own format on ${profile}`)
  }
}

async function rebootOne(host: HostPlan) {
  const res = await labReboot([host.name], TEST_LAB)
  const [r] = res.hosts
  assert.ok(r.ok, r.error)
  return r.seconds
}

profiles.before(async () => {
  if (!skipReason) await labDown(TEST_LAB)
})
profiles.after(async () => {
  if (!skipReason) await labDown(TEST_LAB)
  if (figures.length) console.log(`\n  measured:\n${figures.map((f) => `    ${f}`).join('\n')}`)
})

// networkd, netplan on networkd and ifupdown2 have their own tools' checks in systems.lab.test.ts; bare hosts (no libvirt) theirs in bare.lab.test.ts.
for (const profile of LAB_PROFILES.filter((p) => !isBare(p) && !['networkd', 'netplan-networkd', 'ifupdown2'].includes(networkSystem(p)))) {
  labTest(`${profile}: the uplink comes up from the profile's own files, and again after lab reboot (libvirt's network and vm1 back)`, async () => {
    const up = await useLab(1, profile)
    const [host] = up.hosts
    assert.equal(up.hosts.length, 1)
    assert.is((await labStatus(TEST_LAB)).hosts[0].profile, profile)
    await assertOwnSystem(host, profile)
    await assertInsideLab(host, 'eth0')
    await new Promise((r) => setTimeout(r, 2000)) // guests settle into their halt loop
    const mem = await hostMemoryKiB(host)
    const keyBefore = await onHost(host, 'cat /etc/ssh/ssh_host_ed25519_key.pub')
    const pidBefore = (await labStatus(TEST_LAB)).hosts[0].pid
    // What only lives in memory must not survive: a marker in /run, a bridge made at run time.
    await onHost(host, 'touch /run/kvmplay-marker && ip link add brtmp type bridge && ip link set brtmp up')

    const seconds = await rebootOne(host)
    assert.is.not((await labStatus(TEST_LAB)).hosts[0].pid, pidBefore)
    assert.is((await labStatus(TEST_LAB)).hosts[0].state, 'running')
    assert.is(await onHost(host, 'cat /etc/ssh/ssh_host_ed25519_key.pub'), keyBefore) // and strict known_hosts still pass (onHost)
    assert.is((await onHost(host, 'test -e /run/kvmplay-marker && echo kept || echo gone')).trim(), 'gone')
    assert.is((await onHost(host, 'test -e /sys/class/net/brtmp && echo kept || echo gone')).trim(), 'gone')
    const [link] = JSON.parse(await onHost(host, 'ip -j link show eth0'))
    assert.is(link.address, host.mac)
    await assertOwnSystem(host, profile)
    await assertInsideLab(host, 'eth0')
    await assertLibvirtBack(host)
    figures.push(`${profile.padEnd(16)} up ${up.seconds.toFixed(1)} s, reboot ${seconds.toFixed(1)} s, PSS ${(mem.pss / 1024).toFixed(1)} MiB, RSS ${(mem.rss / 1024).toFixed(1)} MiB`)
  })
}

for (const profile of ['network-scripts', 'networkmanager', 'ifupdown', 'netplan'] as const) {
  labTest(`${profile}: a bridge persisted in the profile's own format comes back after a reboot, with the address on br0`, async () => {
    const { hosts: [host] } = await useLab(1, profile)
    await onHost(host, persistBridge(host, profile))
    await rebootOne(host)
    await assertInsideLab(host, 'br0')
    const { dev } = await uplinkState(host)
    assert.is(dev, 'br0')
    const [eth0] = JSON.parse(await onHost(host, 'ip -j link show eth0'))
    assert.is(eth0.master, 'br0')
    if (profile === 'ifupdown') assert.is((await onHost(host, 'cat /run/network/ifstate.br0')).trim(), 'br0')
    else if (profile === 'network-scripts') assert.match(await onHost(host, 'cat /var/log/network.log'), /^Bringing up interface br0:.*OK/m)
    else assert.match(await onHost(host, 'nmcli -t -f DEVICE,STATE device'), /^br0:connected$/m)
    await assertLibvirtBack(host)
  })
}

labTest('none: a bridge does not survive a reboot (nothing reads ifcfg): the lab sets eth0 up again itself', async () => {
  const { hosts: [host] } = await useLab(1, 'none')
  // What a migration on a none host does at run time: br0 with eth0 as its port, the address on br0.
  await onHost(
    host,
    `ip link add br0 type bridge && ip link set br0 up && ip addr del ${host.address}/${host.prefix} dev eth0 && ip link set eth0 master br0 && ip addr add ${host.address}/${host.prefix} dev br0 && ip route add default via ${host.gateway}`,
  )
  await rebootOne(host)
  assert.is((await uplinkState(host)).dev, 'eth0')
  assert.is((await onHost(host, 'test -e /sys/class/net/br0 && echo kept || echo gone')).trim(), 'gone')
  await assertLibvirtBack(host)
})

labTest('a mixed fleet: profiles round-robin, in status, inventory and record; reboot --all; a changed profile rebuilds only that host', async () => {
  const list = ['networkmanager', 'ifupdown-installer', 'netplan-cloud'] as const
  const fleet = await useLab(3, list.join(','))
  const status = await labStatus(TEST_LAB)
  assert.equal(status.hosts.map((h) => h.profile), [...list])
  const inv = parse(readFileSync(fleet.inventory, 'utf8'))
  assert.equal(Object.values(inv.all.children.hypervisors.hosts).map((h) => (h as { lab_profile: string }).lab_profile), [...list])
  assert.equal(readRecord(TEST_LAB.dir)?.hostProfiles, { h1: 'networkmanager', h2: 'ifupdown-installer', h3: 'netplan-cloud' })
  for (const [i, host] of fleet.hosts.entries()) await assertOwnSystem(host, list[i])

  const started = performance.now()
  const res = await labReboot([], { ...TEST_LAB, all: true })
  const wall = (performance.now() - started) / 1000
  assert.equal(res.hosts.map((h) => [h.name, h.ok]), [['h1', true], ['h2', true], ['h3', true]], JSON.stringify(res.hosts))
  for (const [i, host] of fleet.hosts.entries()) {
    await assertOwnSystem(host, list[i])
    await assertLibvirtBack(host)
  }
  figures.push(`mixed fleet of 3: reboot --all ${wall.toFixed(1)} s wall (${res.hosts.map((h) => `${h.name} ${h.seconds.toFixed(1)} s`).join(', ')})`)

  // Without --profile, up keeps every host's profile; a changed list rebuilds only the host it changes.
  assert.equal((await labUp(3, TEST_LAB)).hosts.map((h) => h.action), ['kept', 'kept', 'kept'])
  const changed = await labUp(3, { ...TEST_LAB, profile: 'networkmanager,ifupdown-installer,ifupdown-cloud' })
  assert.equal(changed.hosts.map((h) => [h.action, h.profile]), [['kept', 'networkmanager'], ['kept', 'ifupdown-installer'], ['rebuilt', 'ifupdown-cloud']])
  await assertOwnSystem(fleet.hosts[2], 'ifupdown-cloud')
})

labTest('a network unit that fails does not stop the boot (as on a real host): the lab says which, and the host is up', async () => {
  const { hosts: [host] } = await useLab(1, 'ifupdown-installer')
  // An interface of the admin's whose pre-up fails: ifup -a fails, the uplink (allow-hotplug) still comes up.
  await onHost(host, put('/etc/network/interfaces.d/broken', 'auto kvbroken\niface kvbroken inet manual\n\tpre-up false\n', '644'))
  const res = await labReboot([host.name], TEST_LAB)
  const [r] = res.hosts
  assert.ok(r.ok, r.error)
  assert.equal(r.failedUnits, ['networking.service (ifup -a) (see /var/log/ifup.log in the host)'])
  await assertOwnSystem(host, 'ifupdown-installer')
  await assertLibvirtBack(host)
})

labTest('reboot of a host the lab does not have is refused, naming the hosts it has', async () => {
  await useLab(1, 'none')
  try {
    await labReboot(['h9'], TEST_LAB)
    assert.unreachable('should have been refused')
  } catch (e) {
    assert.match((e as Error).message, `lab '${TEST_LAB.name}' has no host 'h9' (hosts: h1)`)
  }
})

profiles.run()
