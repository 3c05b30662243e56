/** The files each profile keeps its uplink in, as the installer, cloud-init or admin that writes them on real hosts does. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { hostPlan } from '../../src/lab/addressing.ts'
import { connectionUuid, ifcfgFile, networkManagerConf, profileFiles } from '../../src/lab/layouts.ts'
import { LAB_PROFILES } from '../../src/lab/profiles.ts'

const lab = { name: 'lab', net: '198.18', dir: '/tmp/kvmplay-lab' } as const
const h3 = hostPlan(lab, 3)
const uuid = connectionUuid('lab', 'h3', 'eth0')

/** A keyfile (INI) as sections of key → value; comments and blank lines dropped. */
function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const head = /^\[(.+)\]$/.exec(line)
    if (head) {
      section = head[1]
      out[section] ??= {}
      continue
    }
    const eq = line.indexOf('=')
    assert.ok(eq > 0, `not key=value in [${section}]: ${line}`)
    out[section][line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

/** The lines that are not comments or blank, trimmed. */
const settings = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
const one = (profile: (typeof LAB_PROFILES)[number], path: string) => profileFiles(lab.name, h3, profile).find((f) => f.path === path)!

test('none persists nothing beyond the ifcfg file', () => {
  assert.equal(profileFiles(lab.name, h3, 'none'), [])
})

test("every host's ifcfg-eth0 is CentOS 7's installer's, keys in Anaconda's order, NM_CONTROLLED and HWADDR left out", () => {
  const f = ifcfgFile(lab.name, h3)
  assert.is(f.path, '/etc/sysconfig/network-scripts/ifcfg-eth0')
  assert.is(
    f.content,
    [
      'TYPE=Ethernet', 'PROXY_METHOD=none', 'BROWSER_ONLY=no', 'BOOTPROTO=none', 'DEFROUTE=yes', 'IPV4_FAILURE_FATAL=no',
      'IPV6INIT=yes', 'IPV6_AUTOCONF=yes', 'IPV6_DEFROUTE=yes', 'IPV6_FAILURE_FATAL=no', 'IPV6_ADDR_GEN_MODE=stable-privacy',
      'NAME=eth0', `UUID=${uuid}`, 'DEVICE=eth0', 'ONBOOT=yes', 'IPADDR=198.18.3.2', 'PREFIX=24', 'GATEWAY=198.18.3.1', 'DNS1=198.18.3.1', '',
    ].join('\n'),
  )
})

test("network-scripts: CentOS's scripts where CentOS keeps them, executable, functions also at /etc/init.d, NETWORKING=yes", () => {
  const files = new Map(profileFiles(lab.name, h3, 'network-scripts').map((f) => [f.path, f]))
  for (const s of ['ifup', 'ifdown', 'ifup-eth', 'ifup-routes', 'ifup-post', 'ifup-ipv6']) assert.is(files.get(`/etc/sysconfig/network-scripts/${s}`)?.mode, 0o755, s)
  assert.match(files.get('/etc/rc.d/init.d/network')!.content, /Bringing up interface/)
  assert.is(files.get('/etc/init.d/functions')!.content, files.get('/etc/rc.d/init.d/functions')!.content)
  assert.is(files.get('/etc/sysconfig/network')!.content, 'NETWORKING=yes\n')
  assert.ok(![...files.keys()].some((p) => p.includes('ifcfg-eth')), "the ifcfg file is the lab's, written as on every profile")
})

test("networkmanager: the keyfile RHEL 9's installer writes, named after the NIC, root's 0600", () => {
  const [file, ...rest] = profileFiles(lab.name, h3, 'networkmanager')
  assert.equal(rest, [])
  assert.is(file.path, '/etc/NetworkManager/system-connections/eth0.nmconnection')
  assert.is(file.mode, 0o600)
  assert.equal(ini(file.content), {
    connection: { id: 'eth0', uuid, type: 'ethernet', 'autoconnect-priority': '-999', 'interface-name': 'eth0' },
    ethernet: {},
    ipv4: { address1: '198.18.3.2/24,198.18.3.1', dns: '198.18.3.1;', method: 'manual' },
    ipv6: { 'addr-gen-mode': 'eui64', method: 'auto' },
    proxy: {},
  })
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.is.not(uuid, connectionUuid('lab', 'h4', 'eth0'))
})

test("NetworkManager's config keeps the host inside the lab: keyfile only, no DHCP by default, no DNS, not lo/virbr/vnet", () => {
  const c = ini(networkManagerConf())
  assert.is(c.main.plugins, 'keyfile')
  assert.is(c.main['no-auto-default'], '*')
  assert.is(c.main.dns, 'none')
  assert.is(c.main['rc-manager'], 'unmanaged')
  assert.equal(c.keyfile['unmanaged-devices'].split(';'), ['interface-name:lo', 'interface-name:virbr*', 'interface-name:vnet*'])
  assert.is(c.connectivity.enabled, 'false')
})

test('ifupdown: /etc/network/interfaces as an admin writes it, eth0 `auto`, static (address/CIDR, gateway, dns-nameservers)', () => {
  const [file] = profileFiles(lab.name, h3, 'ifupdown')
  assert.is(file.path, '/etc/network/interfaces')
  assert.equal(settings(file.content), [
    'source /etc/network/interfaces.d/*',
    'auto lo',
    'iface lo inet loopback',
    'auto eth0',
    'iface eth0 inet static',
    'address 198.18.3.2/24',
    'gateway 198.18.3.1',
    'dns-nameservers 198.18.3.1',
  ])
})

test("ifupdown-installer: Debian's installer's interfaces, eth0 `allow-hotplug` (not brought up by ifup -a)", () => {
  const [file, ...rest] = profileFiles(lab.name, h3, 'ifupdown-installer')
  assert.equal(rest, [])
  assert.is(file.path, '/etc/network/interfaces')
  assert.match(file.content, /^# The primary network interface\nallow-hotplug eth0\niface eth0 inet static\n\taddress 198\.18\.3\.2\/24\n\tgateway 198\.18\.3\.1\n\t# dns-\* options are implemented by the resolvconf package, if installed\n\tdns-nameservers 198\.18\.3\.1\n$/m)
  assert.equal(settings(file.content).slice(0, 3), ['source /etc/network/interfaces.d/*', 'auto lo', 'iface lo inet loopback'])
  assert.not.match(file.content, /^auto eth0/m)
})

test("ifupdown-cloud: a Debian cloud image's interfaces (a source line only) and cloud-init's 50-cloud-init with lo and eth0", () => {
  const files = profileFiles(lab.name, h3, 'ifupdown-cloud')
  assert.equal(files.map((f) => f.path), ['/etc/network/interfaces', '/etc/network/interfaces.d/50-cloud-init'])
  assert.equal(settings(files[0].content), ['source /etc/network/interfaces.d/*'])
  assert.match(files[1].content, /^# This file is generated from information provided by the datasource\./)
  assert.match(
    files[1].content,
    /\n# network: \{config: disabled\}\nauto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n {4}address 198\.18\.3\.2\/24\n {4}dns-nameservers 198\.18\.3\.1\n {4}gateway 198\.18\.3\.1\n$/,
  )
})

test('netplan: 0600 YAML for NetworkManager, eth0 matched by MAC, static address, default route, name server', () => {
  const [file] = profileFiles(lab.name, h3, 'netplan')
  assert.is(file.path, '/etc/netplan/01-kvmplay-lab.yaml')
  assert.is(file.mode, 0o600)
  assert.equal(parse(file.content), {
    network: {
      version: 2,
      renderer: 'NetworkManager',
      ethernets: {
        eth0: {
          match: { macaddress: '02:6b:76:12:00:03' },
          'set-name': 'eth0',
          dhcp4: false,
          dhcp6: false,
          addresses: ['198.18.3.2/24'],
          routes: [{ to: 'default', via: '198.18.3.1' }],
          nameservers: { addresses: ['198.18.3.1'] },
        },
      },
    },
  })
})

/** The renderer the netplan variants' files leave unsaid, in a file of its own as Ubuntu Desktop ships it. */
function assertRendererFile(profile: 'netplan-installer' | 'netplan-cloud') {
  const f = one(profile, '/etc/netplan/01-network-manager-all.yaml')
  assert.is(f.mode, 0o600)
  assert.equal(parse(f.content), { network: { version: 2, renderer: 'NetworkManager' } })
}

test("netplan-installer: Ubuntu's installer's 00-installer-config.yaml, eth0 by name, no renderer of its own", () => {
  const f = one('netplan-installer', '/etc/netplan/00-installer-config.yaml')
  assert.is(f.mode, 0o600)
  assert.match(f.content, /^# This is the network config written by 'subiquity'\n/)
  assert.equal(parse(f.content), {
    network: {
      ethernets: { eth0: { addresses: ['198.18.3.2/24'], nameservers: { addresses: ['198.18.3.1'], search: [] }, routes: [{ to: 'default', via: '198.18.3.1' }] } },
      version: 2,
    },
  })
  assertRendererFile('netplan-installer')
})

test("netplan-cloud: cloud-init's 50-cloud-init.yaml, eth0 matched by MAC and named, keys sorted and indented as cloud-init dumps them", () => {
  const f = one('netplan-cloud', '/etc/netplan/50-cloud-init.yaml')
  assert.is(f.mode, 0o600)
  assert.match(f.content, /^# This file is generated from information provided by the datasource\./)
  assert.match(f.content, /\nnetwork:\n {4}version: 2\n {4}ethernets:\n {8}eth0:\n {12}addresses:\n {12}- 198\.18\.3\.2\/24\n/)
  assert.equal(parse(f.content).network.ethernets.eth0, {
    addresses: ['198.18.3.2/24'],
    match: { macaddress: '02:6b:76:12:00:03' },
    nameservers: { addresses: ['198.18.3.1'] },
    routes: [{ to: 'default', via: '198.18.3.1' }],
    'set-name': 'eth0',
  })
  assertRendererFile('netplan-cloud')
})

test('netplan variants with DHCP: dhcp4 true and no static address, still matched as their writer does', () => {
  const cloud = parse(profileFiles(lab.name, h3, 'netplan-cloud', true)[1].content).network.ethernets.eth0
  assert.equal(cloud, { dhcp4: true, match: { macaddress: '02:6b:76:12:00:03' }, 'set-name': 'eth0' })
  const installer = parse(profileFiles(lab.name, h3, 'netplan-installer', true)[1].content).network.ethernets.eth0
  assert.equal(installer, { dhcp4: true })
})

test('networkd: /etc/systemd/network/10-eth0.network, 0644, eth0 by name, static address, gateway and DNS; with DHCP, DHCP=yes alone', () => {
  const [f] = profileFiles(lab.name, h3, 'networkd')
  assert.is(f.path, '/etc/systemd/network/10-eth0.network')
  assert.is(f.mode, 0o644)
  assert.equal(ini(f.content), { Match: { Name: 'eth0' }, Network: { Address: '198.18.3.2/24', Gateway: '198.18.3.1', DNS: '198.18.3.1' } })
  assert.equal(ini(profileFiles(lab.name, h3, 'networkd', true)[0].content), { Match: { Name: 'eth0' }, Network: { DHCP: 'yes' } })
})

test("netplan-networkd-installer: subiquity's file alone (no renderer anywhere: networkd, netplan's default)", () => {
  const files = profileFiles(lab.name, h3, 'netplan-networkd-installer')
  assert.equal(files.map((f) => f.path), ['/etc/netplan/00-installer-config.yaml'])
  assert.equal(files[0].content, one('netplan-installer', '/etc/netplan/00-installer-config.yaml').content)
  assert.not.match(files[0].content, /renderer/)
})

test("netplan-networkd-cloud: cloud-init's file alone, eth0 matched by name (a veth has no permanent MAC), the rest cloud-init's", () => {
  const files = profileFiles(lab.name, h3, 'netplan-networkd-cloud')
  assert.equal(files.map((f) => f.path), ['/etc/netplan/50-cloud-init.yaml'])
  const [f] = files
  assert.is(f.mode, 0o600)
  assert.match(f.content, /^# This file is generated from information provided by the datasource\./)
  assert.match(f.content, /# cloud-init writes macaddress: 02:6b:76:12:00:03 here\. With networkd/)
  const eth0 = parse(f.content).network.ethernets.eth0
  assert.equal(eth0, { ...parse(one('netplan-cloud', '/etc/netplan/50-cloud-init.yaml').content).network.ethernets.eth0, match: { name: 'eth0' } })
  assert.equal(parse(profileFiles(lab.name, h3, 'netplan-networkd-cloud', true)[0].content).network.ethernets.eth0, { dhcp4: true, match: { name: 'eth0' }, 'set-name': 'eth0' })
})

test('ifupdown2: eth0 holds the address in ifupdown2 syntax (auto, address/CIDR, gateway)', () => {
  const [f] = profileFiles(lab.name, h3, 'ifupdown2')
  assert.is(f.path, '/etc/network/interfaces')
  assert.equal(settings(f.content), ['source /etc/network/interfaces.d/*', 'auto lo', 'iface lo inet loopback', 'auto eth0', 'iface eth0 inet static', 'address 198.18.3.2/24', 'gateway 198.18.3.1'])
})

test("proxmox: Proxmox VE's installer's interfaces: eth0 manual, vmbr0 over it with the address, STP off, forward delay 0, source line last", () => {
  const [f] = profileFiles(lab.name, h3, 'proxmox')
  assert.is(f.path, '/etc/network/interfaces')
  assert.is(f.mode, 0o644)
  assert.equal(settings(f.content), [
    'auto lo', 'iface lo inet loopback', 'iface eth0 inet manual', 'auto vmbr0', 'iface vmbr0 inet static',
    'address 198.18.3.2/24', 'gateway 198.18.3.1', 'bridge-ports eth0', 'bridge-stp off', 'bridge-fd 0', 'source /etc/network/interfaces.d/*',
  ])
})

test('ifupdown2 and proxmox refuse DHCP (no DHCP client in the lab)', () => {
  assert.throws(() => profileFiles(lab.name, h3, 'proxmox', true), /invalid --dhcp: profile proxmox/)
})

test.run()
