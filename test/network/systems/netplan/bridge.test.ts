/** The netplan system: which hosts it claims, kvmplay's netplan file and the uplink's rewritten one (rendered by the real netplan), the runtime change, the rollback. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseHostNetwork } from '../../../../src/facts/network.ts'
import type { HostNetwork } from '../../../../src/facts/network.ts'
import { parseNetworkSystem } from '../../../../src/facts/network-system.ts'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { changedLinks } from '../../../../src/network/system.ts'
import type { BridgeOptions } from '../../../../src/network/options.ts'
import { netplan as netplanBackend } from '../../../../src/network/systems/netplan/index.ts'
import { renderer } from '../../../../src/network/systems/netplan/definitions.ts'
import { nic } from '../uplinks.ts'
import { skipIf } from '../../../helpers/skip.ts'
import type { PersistedFile } from '../../../../src/network/system.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const LAB_PATH = '/etc/netplan/01-kvmplay-lab.yaml'
const OWN = '/etc/netplan/90-kvmplay-br0.yaml'

/** The lab's netplan profile writes this (templates/lab/netplan.yaml.hbs). */
const LAB = `# The uplink of lab host h3 (an Ubuntu-style hypervisor): \`netplan generate\`
# renders it for NetworkManager at boot.
network:
  version: 2
  renderer: NetworkManager
  ethernets:
    eth0:
      match:
        macaddress: "02:6b:76:13:00:03"
      set-name: eth0
      dhcp4: false
      dhcp6: false
      addresses:
        - 198.19.3.2/24
      routes:
        - to: default
          via: 198.19.3.1
        - to: 10.9.0.0/16
          via: 198.19.3.254
      nameservers:
        addresses:
          - 198.19.3.1
`

/** The files as the network-system fact reads them (parsed by its own parser). */
const system = (files: { path: string; content?: string }[]): NetworkSystemFacts =>
  parseNetworkSystem('@@NETPLAN\n' + files.filter((f) => f.content !== undefined).map((f) => `@@FILE ${f.path}\n${f.content}`).join(''))
const facts = (net: HostNetwork, sys: NetworkSystemFacts) => ({ net, system: sys })
const persist = (o: BridgeOptions, net: HostNetwork, files: { path: string; content?: string }[]) => netplanBackend.persist(bridgeWish(o, net), facts(net, system(files)))
const byPath = (files: PersistedFile[], path: string) => files.find((f) => f.path === path)!
const assertIdempotent = (o: BridgeOptions, net: HostNetwork, first: PersistedFile[]) => assert.equal(persist(o, net, first), first, 'the second run gives the same paths and contents')

const NETPLAN = '/usr/sbin/netplan'
/** The tests that run the real `netplan generate`: skipped, saying why, where netplan is not installed. */
const withNetplan = skipIf(test, existsSync(NETPLAN) ? undefined : `netplan is not installed here, no ${NETPLAN}`)
/** `netplan generate --root-dir` on the files: NetworkManager's keyfiles it wrote, by name. */
function generate(files: PersistedFile[]): Record<string, string> {
  const root = mkdtempSync(join(tmpdir(), 'kvmplay-netplan-'))
  try {
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true })
      writeFileSync(join(root, f.path), f.content!)
      chmodSync(join(root, f.path), 0o600)
    }
    const r = spawnSync(NETPLAN, ['generate', '--root-dir', root], { encoding: 'utf8' })
    assert.is(r.status, 0, `netplan generate failed: ${r.stderr}`)
    assert.not.match(r.stderr, /WARNING|Error/, r.stderr)
    const dir = join(root, 'run/NetworkManager/system-connections')
    return Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')]))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

test('detect: a netplan file that defines the uplink (by its ID, set-name or match name) or the bridge, named; not NetworkManager\'s profiles or other files', () => {
  const net = canned('network-fresh.txt')
  assert.is(netplanBackend.claims(facts(net, system([{ path: LAB_PATH, content: LAB }])), nic('eth0'), 'br0'), `netplan defines eth0 (ethernets) in ${LAB_PATH}`)
  const renamed = 'network:\n  version: 2\n  ethernets:\n    uplink:\n      match: {macaddress: "02:6b:76:13:00:03"}\n      set-name: eth0\n      dhcp4: true\n'
  assert.is(netplanBackend.claims(facts(net, system([{ path: '/etc/netplan/50-cloud-init.yaml', content: renamed }])), nic('eth0'), 'br0'), 'netplan defines uplink (ethernets) in /etc/netplan/50-cloud-init.yaml')
  const bridgeOnly = 'network:\n  version: 2\n  bridges:\n    br0:\n      interfaces: [eno1]\n'
  assert.is(netplanBackend.claims(facts(net, system([{ path: OWN, content: bridgeOnly }])), nic('eth0'), 'br0'), `netplan defines br0 (bridges) in ${OWN}`)
  assert.is(netplanBackend.claims(facts(net, system([{ path: '/etc/netplan/01.yaml', content: 'network:\n  version: 2\n  ethernets:\n    eth1: {dhcp4: true}\n' }])), nic('eth0'), 'br0'), undefined)
  // A host where NetworkManager shows netplan's generated profile, but no netplan file defines eth0.
  const nm: NetworkSystemFacts = { netplan: [], networkScripts: false, networkManager: { profiles: [{ name: 'netplan-eth1', uuid: 'u', type: '802-3-ethernet', active: true, device: 'eth1', filename: '/run/NetworkManager/system-connections/netplan-eth1.nmconnection' }] } }
  assert.is(netplanBackend.claims(facts(net, nm), nic('eth0'), 'br0'), undefined)
  assert.is(netplanBackend.claims(facts(net, system([{ path: '/etc/netplan/bad.yaml', content: 'network: [\n' }])), nic('eth0'), 'br0'), undefined, 'a file that does not parse claims nothing')
})

/** The lab's static uplink with one address, bridged. */
const staticBridged = () => persist({ bridge: 'br0' }, canned('network-fresh.txt'), [{ path: LAB_PATH, content: LAB }])

test('persist, a static uplink with one address: kvmplay\'s own file (0600) bridges it under the same renderer; the uplink\'s file keeps all but its addresses, routes and name servers', () => {
  const net = canned('network-fresh.txt')
  const files = staticBridged()
  assert.equal(files.map((f) => [f.path, f.mode]), [[LAB_PATH, undefined], [OWN, '0600']])
  const own = parseYaml(byPath(files, OWN).content!)
  assert.equal(own, {
    network: {
      version: 2,
      renderer: 'NetworkManager',
      ethernets: { eth0: { dhcp4: false, dhcp6: false } },
      bridges: {
        br0: {
          renderer: 'NetworkManager',
          interfaces: ['eth0'],
          macaddress: '02:6b:76:13:00:03',
          dhcp4: false,
          dhcp6: false,
          addresses: ['198.19.3.2/24'],
          routes: [{ to: 'default', via: '198.19.3.1' }, { to: '10.9.0.0/16', via: '198.19.3.254' }],
          nameservers: { addresses: ['198.19.3.1'] },
          parameters: { stp: false, 'forward-delay': 0 },
        },
      },
    },
  })
  const lab = byPath(files, LAB_PATH).content!
  assert.ok(lab.startsWith('# The uplink of lab host h3'), 'comments kept')
  assert.equal(parseYaml(lab).network.ethernets.eth0, { match: { macaddress: '02:6b:76:13:00:03' }, 'set-name': 'eth0', dhcp4: false, dhcp6: false })
  assert.is(parseYaml(lab).network.renderer, 'NetworkManager')
  assertIdempotent({ bridge: 'br0' }, net, files)
})

withNetplan("netplan generate renders the static uplink's files: a bridge profile with the address, MAC and routes, the uplink its port with none", () => {
  const nm = generate(staticBridged())
  assert.equal(Object.keys(nm).sort(), ['netplan-br0.nmconnection', 'netplan-eth0.nmconnection'])
  const br = nm['netplan-br0.nmconnection']
  for (const l of ['id=netplan-br0', 'type=bridge', 'interface-name=br0', 'stp=false', 'forward-delay=0', 'cloned-mac-address=02:6b:76:13:00:03', 'method=manual', 'address1=198.19.3.2/24', 'route1=0.0.0.0/0,198.19.3.1', 'route2=10.9.0.0/16,198.19.3.254', 'dns=198.19.3.1;']) {
    assert.ok(br.split('\n').includes(l), `${l} in netplan-br0:\n${br}`)
  }
  const port = nm['netplan-eth0.nmconnection']
  for (const l of ['id=netplan-eth0', 'interface-name=eth0', 'slave-type=bridge', 'master=br0']) assert.ok(port.split('\n').includes(l), `${l} in netplan-eth0:\n${port}`)
  assert.not.match(port, /address1=|route1=/, 'the port carries no address or route')
})

/** The dual-stack uplink with several addresses, bridged. */
const DUALSTACK = 'network:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0:\n      mtu: 9000\n      addresses: [198.18.7.2/24, 198.18.70.2/26, 198.18.7.3/24, "2001:db8:7::2/64"]\n      gateway4: 198.18.7.1\n      gateway6: "2001:db8:7::1"\n      nameservers: {addresses: [198.18.7.1, "2001:db8:7::1"], search: [lab.example]}\n'
const dualStackBridged = () => persist({ bridge: 'br0' }, canned('network-dualstack.txt'), [{ path: '/etc/netplan/00-installer-config.yaml', content: DUALSTACK }])

test('persist, the dual-stack uplink with several addresses: v4 and v6 addresses, both default routes, the MTU on bridge and port', () => {
  const net = canned('network-dualstack.txt')
  const files = dualStackBridged()
  const br = parseYaml(byPath(files, OWN).content!).network.bridges.br0
  assert.equal(br.addresses, ['198.18.7.2/24', '198.18.70.2/26', '198.18.7.3/24', '2001:db8:7::2/64'])
  assert.equal(br.routes, [{ to: 'default', via: '198.18.7.1' }, { to: 'default', via: '2001:db8:7::1' }])
  assert.equal(br.nameservers, { addresses: ['198.18.7.1', '2001:db8:7::1'], search: ['lab.example'] })
  assert.is(br.mtu, 9000)
  assert.is(parseYaml(byPath(files, OWN).content!).network.ethernets.eth0.mtu, 9000)
  assert.equal(parseYaml(byPath(files, '/etc/netplan/00-installer-config.yaml').content!).network.ethernets.eth0, { mtu: 9000 }, 'gateway4/6 go too (deprecated, but still read)')
  assertIdempotent({ bridge: 'br0' }, net, files)
})

withNetplan("netplan generate renders the dual-stack uplink's files: every address, the IPv6 default route, the MTU", () => {
  const b = generate(dualStackBridged())['netplan-br0.nmconnection']
  for (const l of ['address1=198.18.7.2/24', 'address2=198.18.70.2/26', 'address3=198.18.7.3/24', 'address1=2001:db8:7::2/64', 'route1=::/0,2001:db8:7::1', 'mtu=9000']) assert.ok(b.split('\n').includes(l), `${l} in:\n${b}`)
})

/** The fresh uplink with its address from DHCP, and cloud-init's netplan file for it. */
const dhcpNet = (): HostNetwork => {
  const fresh = canned('network-fresh.txt')
  return { ...fresh, links: fresh.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)) }
}
const CLOUD_INIT = '# cloud-init\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n'
const dhcpBridged = () => persist({ bridge: 'br0' }, dhcpNet(), [{ path: '/etc/netplan/50-cloud-init.yaml', content: CLOUD_INIT }])

test('persist, a DHCP uplink (networkd, no renderer named): dhcp4 on the bridge with the uplink\'s MAC, the port\'s DHCP overridden off', () => {
  const net = dhcpNet()
  const files = dhcpBridged()
  assert.is(byPath(files, '/etc/netplan/50-cloud-init.yaml').content, CLOUD_INIT, 'nothing to take away: the file stays as it was')
  const own = parseYaml(byPath(files, OWN).content!).network
  assert.is(own.renderer, undefined)
  assert.equal(own.ethernets.eth0, { dhcp4: false, dhcp6: false })
  assert.equal(own.bridges.br0, { interfaces: ['eth0'], macaddress: '02:6b:76:13:00:03', dhcp4: true, dhcp6: false, parameters: { stp: false, 'forward-delay': 0 } })
  assertIdempotent({ bridge: 'br0' }, net, files)
})

withNetplan("netplan generate renders the DHCP uplink's files for networkd: DHCP on br0, eth0 its port without", () => {
  const files = dhcpBridged()
  const root = mkdtempSync(join(tmpdir(), 'kvmplay-netplan-'))
  try {
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true })
      writeFileSync(join(root, f.path), f.content!, { mode: 0o600 })
    }
    const r = spawnSync(NETPLAN, ['generate', '--root-dir', root], { encoding: 'utf8' })
    assert.is(r.status, 0, r.stderr)
    const network = readFileSync(join(root, 'run/systemd/network/10-netplan-br0.network'), 'utf8')
    assert.match(network, /DHCP=ipv4/)
    const port = readFileSync(join(root, 'run/systemd/network/10-netplan-eth0.network'), 'utf8')
    assert.match(port, /Bridge=br0/)
    assert.not.match(port, /DHCP=(ipv4|yes)/)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('planRuntime: nothing once bridged; NetworkManager: generate, reload, up the bridge and the port; networkd: generate, reload, the bridge awaited, a failed link asked again', () => {
  const bridged = canned('network-bridged.txt')
  const nmFiles = [{ path: LAB_PATH, content: LAB }]
  assert.is(netplanBackend.planRuntime(bridgeWish({ bridge: 'br0' }, bridged), facts(bridged, system(nmFiles))), undefined)
  const net = canned('network-fresh.txt')
  const nm = netplanBackend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net, system(nmFiles)))!
  assert.is(nm.apply, 'netplan generate && nmcli connection reload && nmcli connection up netplan-br0 && nmcli connection up netplan-eth0')
  assert.equal(changedLinks(nm), ['br0', 'eth0'])
  assert.not.match(nm.apply, /netplan (try|apply)/)
  const nd = netplanBackend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net, system([{ path: '/etc/netplan/50-cloud-init.yaml', content: 'network:\n  ethernets:\n    eth0: {addresses: [198.19.3.2/24]}\n' }])))!
  // netplan try refuses a bridge with parameters and netplan apply needs systemd: generate, then networkd as the networkd system does it.
  assert.equal(nd.apply.split('\n').slice(0, 7), [
    'set -e',
    'netplan generate',
    'networkctl reload',
    'i=0; until { n=$(cat /sys/class/net/br0/ifindex 2>/dev/null) && ip link show dev br0 >/dev/null 2>&1 && [ -e "/run/systemd/netif/links/$n" ]; } || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done',
    "{ read -r m < /sys/class/net/br0/address; } 2>/dev/null && [ \"$m\" = 02:6b:76:13:00:03 ] || ip link set br0 address 02:6b:76:13:00:03",
    '[ -e /sys/class/net/br0/brif/eth0 ] || ip link set eth0 master br0',
    // Only a link networkd failed is asked again: a reconfigure of br0 while its lease's address waits would leave it unset (systemd 252).
    `f=$(networkctl list --no-legend --no-pager eth0 br0 2>/dev/null | awk '$5 == "failed" { print $2 }'); [ -z "$f" ] || networkctl reconfigure $f || :`,
  ])
})

test('restore: the files first, netplan generate, NetworkManager puts the old profile back (ip only if it cannot); the script parses', () => {
  const net = canned('network-fresh.txt')
  const sys = system([{ path: LAB_PATH, content: LAB }])
  const change = netplanBackend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net, sys))!
  const r = netplanBackend.restore(change, facts(net, sys), [{ path: LAB_PATH, content: LAB, mode: '0600', owner: 'root', group: 'root' }, { path: OWN }])
  const at = (re: RegExp) => r.script.search(re)
  assert.ok(at(/mv -f -- \/etc\/netplan\/\.01-kvmplay-lab\.yaml\.kvmplay-tmp \/etc\/netplan\/01-kvmplay-lab\.yaml/) >= 0)
  assert.ok(at(/rm -f -- \/etc\/netplan\/90-kvmplay-br0\.yaml/) >= 0)
  assert.ok(at(/^netplan generate$/m) > at(/rm -f --/), 'generate after the files are back')
  assert.ok(at(/^nmcli connection reload$/m) > at(/^netplan generate$/m))
  assert.ok(at(/^if nmcli connection up netplan-eth0; then ip link del br0 2>\/dev\/null \|\| true; else$/m) > at(/^nmcli connection reload$/m), 'the rollback ends well when NetworkManager already took br0 away')
  assert.ok(at(/ip addr add 198\.19\.3\.2\/24 dev eth0/) > at(/; else$/m), 'ip puts the address back only where NetworkManager could not')
  assert.match(r.describe, /netplan generate, nmcli connection reload and up$/)
  const check = spawnSync('sh', ['-n'], { input: r.script, encoding: 'utf8' })
  assert.is(check.status, 0, check.stderr)
})

test("the renderer of a file that names none is netplan's global one, from whichever file sets it last (Ubuntu's installer file and 01-network-manager-all.yaml)", () => {
  const installer = 'network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [198.19.3.2/24]\n'
  const all = (renderer: string) => `network:\n  version: 2\n  renderer: ${renderer}\n`
  const kind = (files: { path: string; content: string }[]) => renderer(system(files), 'eth0', 'br0').kind
  assert.is(kind([{ path: '/etc/netplan/00-installer-config.yaml', content: installer }, { path: '/etc/netplan/01-network-manager-all.yaml', content: all('NetworkManager') }]), 'NetworkManager')
  assert.is(kind([{ path: '/etc/netplan/00-installer-config.yaml', content: installer }]), 'networkd', "netplan's default")
  // The last file read wins; a definition's own renderer wins over all.
  assert.is(kind([{ path: '/etc/netplan/01-a.yaml', content: all('NetworkManager') }, { path: '/etc/netplan/02-b.yaml', content: all('networkd') }, { path: '/etc/netplan/50-c.yaml', content: installer }]), 'networkd')
  assert.is(kind([{ path: '/etc/netplan/01-a.yaml', content: all('networkd') }, { path: '/etc/netplan/50-c.yaml', content: installer.replace('    eth0:\n', '    eth0:\n      renderer: NetworkManager\n') }]), 'NetworkManager')
})

test.run()
