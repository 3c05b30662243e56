/** The ifupdown system: which hosts it claims, the rewritten interfaces file (checked by the real ifquery), the runtime change, the rollback. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseHostNetwork } from '../../../../src/facts/network.ts'
import type { HostNetwork } from '../../../../src/facts/network.ts'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { changedLinks } from '../../../../src/network/system.ts'
import type { BridgeOptions } from '../../../../src/network/options.ts'
import { ifupdown as ifupdownBackend } from '../../../../src/network/systems/ifupdown/index.ts'
import { parseStanzas } from '../../../../src/network/systems/ifupdown/stanzas.ts'
import { nic } from '../uplinks.ts'
import { skipIf } from '../../../helpers/skip.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const INTERFACES = '/etc/network/interfaces'

/** The lab's ifupdown profile writes this (templates/lab/interfaces.hbs), with one more interface and a comment of the admin's. */
const LAB = `# The uplink of lab host h3 (a Debian hypervisor): \`ifup -a\` brings it up at boot.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
	address 198.19.3.2/24
	gateway 198.19.3.1
	dns-nameservers 198.19.3.1
	dns-search lab.example

# storage network, not bridged
allow-hotplug eth1
iface eth1 inet dhcp
`

const system = (content: string, path = INTERFACES): NetworkSystemFacts => ({ netplan: [], networkScripts: false, ifupdown: [{ path, content }] })
const facts = (net: HostNetwork, sys: NetworkSystemFacts) => ({ net, system: sys })
const persistOne = (o: BridgeOptions, net: HostNetwork, sys: NetworkSystemFacts) => {
  const files = ifupdownBackend.persist(bridgeWish(o, net), facts(net, sys))
  assert.is(files.length, 1)
  return files[0] as { path: string; content: string }
}
/** Planning against the rewritten file gives the same file. */
const assertIdempotent = (o: BridgeOptions, net: HostNetwork, first: { path: string; content: string }) =>
  assert.equal(persistOne(o, net, system(first.content, first.path)), first, 'the second run rewrites the file to itself')

const IFQUERY = '/usr/sbin/ifquery'
/** The tests that run the real ifquery: skipped, saying why, where ifupdown is not installed. */
const withIfquery = skipIf(test, existsSync(IFQUERY) ? undefined : `ifupdown is not installed here, no ${IFQUERY}`)
/** The real ifquery on the file. */
function query(content: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-ifquery-'))
  try {
    writeFileSync(join(dir, 'interfaces'), content)
    const r = spawnSync(IFQUERY, ['-i', join(dir, 'interfaces'), ...args], { encoding: 'utf8' })
    return { code: r.status, out: r.stdout, err: r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('detect: a stanza of the uplink (or the bridge) in an ifupdown file, named; nothing without one or without ifupdown', () => {
  const net = canned('network-fresh.txt')
  assert.is(ifupdownBackend.claims(facts(net, system(LAB)), nic('eth0'), 'br0'), 'ifupdown defines eth0 in /etc/network/interfaces')
  assert.is(ifupdownBackend.claims(facts(net, system('iface br0 inet dhcp\n\tbridge_ports eth0\n', '/etc/network/interfaces.d/br0')), nic('eth0'), 'br0'), 'ifupdown defines br0 in /etc/network/interfaces.d/br0')
  // Debian's default file on a NetworkManager or netplan host: nothing but lo and the source line.
  assert.is(ifupdownBackend.claims(facts(net, system('source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n')), nic('eth0'), 'br0'), undefined)
  assert.is(ifupdownBackend.claims(facts(net, { netplan: [], networkScripts: false }), nic('eth0'), 'br0'), undefined, 'ifup not installed')
  // "eth0" inside another name or a comment is not a stanza of eth0.
  assert.is(ifupdownBackend.claims(facts(net, system('# iface eth0 inet static\niface eth0.10 inet manual\n')), nic('eth0'), 'br0'), undefined)
})

/** The seed's kind of uplink, static with one address, bridged. */
const staticBridged = () => persistOne({ bridge: 'br0' }, canned('network-fresh.txt'), system(LAB))

test('persist, a static uplink with one address (the seed\'s kind): the uplink manual, the bridge with its address, gateway, resolvconf lines, MAC; the rest as it was', () => {
  const net = canned('network-fresh.txt')
  const f = staticBridged()
  assert.is(f.path, INTERFACES)
  assert.is(
    f.content,
    `# The uplink of lab host h3 (a Debian hypervisor): \`ifup -a\` brings it up at boot.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet manual

# kvmplay: bridge br0 over eth0: eth0 carries no address of its own, br0 keeps its MAC and addresses
auto br0
iface br0 inet static
	address 198.19.3.2/24
	gateway 198.19.3.1
	dns-nameservers 198.19.3.1
	dns-search lab.example
	bridge_ports eth0
	bridge_stp off
	bridge_fd 0
	bridge_maxwait 0
	hwaddress ether 02:6b:76:13:00:03

# storage network, not bridged
allow-hotplug eth1
iface eth1 inet dhcp
`,
  )
  assertIdempotent({ bridge: 'br0' }, net, f)
})

withIfquery('ifquery reads the static uplink\'s file: br0 with its address, gateway, bridge options and MAC; ifup -a brings up eth0, then br0', () => {
  const f = staticBridged()
  const q = query(f.content, 'br0')
  assert.is(q.code, 0, q.err)
  for (const line of ['address: 198.19.3.2', 'netmask: 255.255.255.0', 'gateway: 198.19.3.1', 'bridge_ports: eth0', 'bridge_stp: off', 'bridge_fd: 0', 'bridge_maxwait: 0', 'hwaddress: 02:6b:76:13:00:03']) {
    assert.ok(q.out.split('\n').includes(line), `ifquery br0 says ${line}:\n${q.out}`)
  }
  assert.equal(query(f.content, '--list').out.trim().split('\n'), ['lo', 'eth0', 'br0'], 'ifup -a brings up eth0, then br0 (eth1 is hotplug)')
  assert.is(query(f.content, 'eth0').code, 0)
})

/** The fresh uplink with a route someone added on eth0. */
const withRoute = (): HostNetwork => {
  const fresh = canned('network-fresh.txt')
  return { ...fresh, routes: [...fresh.routes, { dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0', protocol: 'boot' }] }
}

test("persist: the uplink's added routes go with the bridge as `up ip route replace … dev br0`; the second run writes the same", () => {
  const net = withRoute()
  const f = persistOne({ bridge: 'br0' }, net, system(LAB))
  assert.match(f.content, '\thwaddress ether 02:6b:76:13:00:03\n\tup ip route replace 198.51.100.0/24 via 198.19.3.254 dev br0\n')
  // Once bridged the route is on br0: the same stanza.
  const moved = { ...net, routes: net.routes.map((r) => (r.protocol === 'boot' ? { ...r, dev: 'br0' } : r)) }
  assert.equal(persistOne({ bridge: 'br0' }, moved, system(f.content, f.path)), f)
})

withIfquery("ifquery reads the added route's `up ip route replace … dev br0`", () => {
  const q = query(persistOne({ bridge: 'br0' }, withRoute(), system(LAB)).content, 'br0')
  assert.ok(q.out.split('\n').includes('up: ip route replace 198.51.100.0/24 via 198.19.3.254 dev br0'), q.out)
})

test('persist with netmask, stp and a delay asked for: netmask as its own option, bridge_stp on, bridge_fd', () => {
  const net = canned('network-fresh.txt')
  const o: BridgeOptions = { bridge: 'br0', netmask: true, stp: true, delay: 2 }
  const f = persistOne(o, net, system(LAB))
  assert.match(f.content, /\taddress 198\.19\.3\.2\n\tnetmask 255\.255\.255\.0\n/)
  assert.match(f.content, /\tbridge_stp on\n\tbridge_fd 2\n/)
  assertIdempotent(o, net, f)
})

/** The dual-stack uplink, several addresses in stanzas of their own, bridged. */
const DUALSTACK = 'auto eth0\niface eth0 inet static\n\taddress 198.18.7.2/24\n\tgateway 198.18.7.1\n\tmtu 9000\n\tdns-nameservers 198.18.7.1 2001:db8:7::1\niface eth0 inet static\n\taddress 198.18.70.2/26\niface eth0 inet static\n\taddress 198.18.7.3/24\niface eth0 inet6 static\n\taddress 2001:db8:7::2/64\n\tgateway 2001:db8:7::1\n'
const dualStackBridged = () => persistOne({ bridge: 'br0' }, canned('network-dualstack.txt'), system(DUALSTACK))

test('persist, the dual-stack uplink with several addresses: a stanza per further IPv4 address, inet6 static with the IPv6 gateway, the MTU on both', () => {
  const net = canned('network-dualstack.txt')
  const f = dualStackBridged()
  const stanzas = parseStanzas(f.content)
  assert.equal(
    stanzas.map((s) => `${s.iface} ${s.family} ${s.method}`),
    ['eth0 inet manual', 'br0 inet static', 'br0 inet static', 'br0 inet static', 'br0 inet6 static'],
  )
  assert.equal(stanzas[0].options, ['\tmtu 9000'], 'the port carries the MTU too (a bridge cannot exceed its ports)')
  const opts = (i: number) => stanzas[i].options.map((o) => o.trim())
  assert.equal(opts(1), ['address 198.18.7.2/24', 'gateway 198.18.7.1', 'dns-nameservers 198.18.7.1 2001:db8:7::1', 'bridge_ports eth0', 'bridge_stp off', 'bridge_fd 0', 'bridge_maxwait 0', 'hwaddress ether 02:6b:76:12:00:07', 'mtu 9000'])
  assert.equal(opts(2), ['address 198.18.70.2/26'])
  assert.equal(opts(3), ['address 198.18.7.3/24'])
  assert.equal(opts(4), ['address 2001:db8:7::2/64', 'gateway 2001:db8:7::1'])
  assertIdempotent({ bridge: 'br0' }, net, f)
})

withIfquery("ifquery reads the dual-stack uplink's file: every address, the IPv6 gateway, the MTU", () => {
  const q = query(dualStackBridged().content, 'br0')
  assert.is(q.code, 0, q.err)
  // ifquery prints every stanza's options: all three IPv4 addresses and the IPv6 one.
  for (const line of ['address: 198.18.7.2', 'address: 198.18.70.2', 'address: 198.18.7.3', 'address: 2001:db8:7::2', 'gateway: 2001:db8:7::1', 'mtu: 9000']) assert.ok(q.out.split('\n').includes(line), `${line} in:\n${q.out}`)
})

/** The fresh uplink with its address from DHCP, and its ifupdown file. */
const dhcpNet = (): HostNetwork => {
  const fresh = canned('network-fresh.txt')
  return { ...fresh, links: fresh.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)) }
}
const DHCP_FILE = 'allow-hotplug eth0\niface eth0 inet dhcp\niface eth0 inet6 auto\n'

test('persist, a DHCP uplink: iface br0 inet dhcp with the uplink\'s MAC (the same lease), no address', () => {
  const net = dhcpNet()
  const f = persistOne({ bridge: 'br0' }, net, system(DHCP_FILE))
  assert.is(
    f.content,
    `allow-hotplug eth0
iface eth0 inet manual

# kvmplay: bridge br0 over eth0: eth0 carries no address of its own, br0 keeps its MAC and addresses
auto br0
iface br0 inet dhcp
	bridge_ports eth0
	bridge_stp off
	bridge_fd 0
	bridge_maxwait 0
	hwaddress ether 02:6b:76:13:00:03
iface br0 inet6 auto
`,
  )
  assertIdempotent({ bridge: 'br0' }, net, f)
})

withIfquery("ifquery reads the DHCP uplink's file: br0 is brought up", () => {
  const q = query(persistOne({ bridge: 'br0' }, dhcpNet(), system(DHCP_FILE)).content, '--list')
  assert.is(q.code, 0, q.err)
  assert.ok(q.out.split('\n').includes('br0'))
})

test('persist keeps other names on a shared auto line and takes the bridge out of one; stanzas in another file go, the block stays where the uplink was', () => {
  const net = canned('network-fresh.txt')
  const main = 'source /etc/network/interfaces.d/*\nauto lo eth0 br0\niface lo inet loopback\n'
  const sys: NetworkSystemFacts = {
    netplan: [],
    networkScripts: false,
    ifupdown: [
      { path: INTERFACES, content: main },
      { path: '/etc/network/interfaces.d/uplink', content: '# uplink\niface eth0 inet static\n\taddress 198.19.3.2/24\n\tgateway 198.19.3.1\n' },
    ],
  }
  const files = ifupdownBackend.persist(bridgeWish({ bridge: 'br0' }, net), facts(net, sys))
  assert.equal(files.map((f) => f.path), [INTERFACES, '/etc/network/interfaces.d/uplink'])
  assert.is(files[0].content, 'source /etc/network/interfaces.d/*\nauto lo eth0\niface lo inet loopback\n')
  assert.match(files[1].content!, /^# uplink\niface eth0 inet manual\n\n# kvmplay: bridge br0.*\nauto br0\niface br0 inet static\n\taddress 198\.19\.3\.2\/24\n/)
})

test('planRuntime: nothing once br0 carries the address with eth0 as its port; else the addresses flushed and ifup br0, failing loudly', () => {
  const bridged = canned('network-bridged.txt')
  const sys = system(LAB)
  assert.is(ifupdownBackend.planRuntime(bridgeWish({ bridge: 'br0' }, bridged), facts(bridged, sys)), undefined)
  const net = canned('network-fresh.txt')
  const change = ifupdownBackend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net, sys))!
  assert.equal(changedLinks(change), ['br0', 'eth0'])
  const lines = change.apply.split('\n')
  assert.is(lines[0], 'set -e')
  assert.ok(lines.includes('ip -4 addr flush dev eth0 scope global'))
  assert.is(lines[lines.length - 1], 'ifup br0')
  assert.match(change.apply, /if \[ -e \/run\/network\/ifstate\.br0 \]; then ifdown --force br0/)
  // The dual-stack host bridged without its IPv6 address is not as wished.
  const ds = canned('network-dualstack.txt')
  assert.ok(ifupdownBackend.planRuntime(bridgeWish({ bridge: 'br0' }, ds), facts(ds, sys)))
})

test('restore: the links and files as they were, the IPv6 addresses and route, and ifupdown forgets br0', () => {
  const net = canned('network-dualstack.txt')
  const sys = system(LAB)
  const change = ifupdownBackend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net, sys))!
  const r = ifupdownBackend.restore(change, facts(net, sys), [{ path: INTERFACES, content: LAB, mode: '0644', owner: 'root', group: 'root' }])
  assert.match(r.script, /ip link del br0/)
  assert.match(r.script, /ip addr add 198\.18\.7\.2\/24 dev eth0/)
  assert.match(r.script, /mv -f -- \/etc\/network\/\.interfaces\.kvmplay-tmp \/etc\/network\/interfaces/)
  assert.match(r.script, /ip addr add 2001:db8:7::2\/64 dev eth0 nodad/)
  assert.match(r.script, /ip -6 route replace default via 2001:db8:7::1 dev eth0/)
  assert.match(r.script, /rm -f \/run\/network\/ifstate\.br0/)
  assert.match(r.script, /sed -i '\/\^br0=\/d' \/run\/network\/ifstate/)
  assert.match(r.describe, /ifupdown's state forgets br0$/)
  const check = spawnSync('sh', ['-n'], { input: r.script + change.apply, encoding: 'utf8' })
  assert.is(check.status, 0, check.stderr)
})

test.run()
