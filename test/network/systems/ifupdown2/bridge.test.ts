/**
 * The ifupdown2 system, the way there, from canned facts: which hosts it
 * claims (and ifupdown does not), the interfaces file in ifupdown2's syntax
 * (read back by ifupdown2's own ifquery where the lab has unpacked it),
 * Proxmox's vmbr0 left as written, the runtime change (ifreload -a), the
 * rollback.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { parseHostNetwork } from '../../../../src/facts/network.ts'
import type { HostNetwork } from '../../../../src/facts/network.ts'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import type { BridgeOptions } from '../../../../src/network/options.ts'
import { changedLinks } from '../../../../src/network/system.ts'
import { NETWORK_SYSTEMS } from '../../../../src/network/systems/index.ts'
import { chooseSystem } from '../../../../src/network/choose.ts'
import { parseStanzas } from '../../../../src/network/systems/ifupdown/stanzas.ts'
import { ifupdown2 as ifupdown2Backend } from '../../../../src/network/systems/ifupdown2/index.ts'
import { definedAsWished } from '../../../../src/network/systems/ifupdown2/files.ts'
import { ifquery2Json } from '../../../helpers/ifupdown2.ts'
import { bridged, fresh as unbridged, gone } from '../way-back.ts'
import { nic } from '../uplinks.ts'
import { INTERFACES, facts, labFile, proxmoxFile, system, withIfquery2 } from './fixtures.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const LAB = labFile(3)
const PROXMOX = proxmoxFile(1)

const persistOne = (o: BridgeOptions, net: HostNetwork, sys: NetworkSystemFacts) => {
  const files = ifupdown2Backend.persist(bridgeWish(o, net), facts(net, sys))
  assert.is(files.length, 1)
  return files[0] as { path: string; content: string }
}
const assertIdempotent = (o: BridgeOptions, net: HostNetwork, first: { path: string; content: string }) =>
  assert.equal(persistOne(o, net, system(first.content, first.path)), first, 'the second run rewrites the file to itself')

/** A host's network with the bridge renamed (the canned bridged host as Proxmox has it: vmbr0). */
const renamed = (net: HostNetwork, from: string, to: string): HostNetwork => ({
  ...net,
  links: net.links.map((l) => ({ ...l, name: l.name === from ? to : l.name, master: l.master === from ? to : l.master })),
  routes: net.routes.map((r) => (r.dev === from ? { ...r, dev: to } : r)),
})
const proxmox = renamed(bridged, 'br0', 'vmbr0')
const H1 = labFile(1)

test('detect: ifupdown2 claims an uplink its files define, ifupdown does not (each reads its own section); exactly one is chosen', () => {
  const net = canned('network-fresh.txt')
  const sys = system(LAB)
  assert.is(ifupdown2Backend.claims(facts(net, sys), nic('eth0'), 'br0'), 'ifupdown2 defines eth0 in /etc/network/interfaces')
  assert.is(chooseSystem(NETWORK_SYSTEMS, facts(net, sys), nic('eth0'), 'br0').name, 'ifupdown2')
  // The same file on a host with ifupdown: ifupdown's, not ifupdown2's.
  const classic: NetworkSystemFacts = { netplan: [], networkScripts: false, ifupdown: [{ path: INTERFACES, content: LAB }] }
  assert.is(ifupdown2Backend.claims(facts(net, classic), nic('eth0'), 'br0'), undefined)
  assert.is(chooseSystem(NETWORK_SYSTEMS, facts(net, classic), nic('eth0'), 'br0').name, 'ifupdown')
  assert.is(ifupdown2Backend.claims(facts(net, system('source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n')), nic('eth0'), 'br0'), undefined)
  // Installed, but nothing names eth0: no system claims it, and the refusal says what ifupdown2 has.
  const bare = facts(net, system('auto lo\niface lo inet loopback\n'))
  assert.throws(() => chooseSystem(NETWORK_SYSTEMS, bare, nic('eth0'), 'br0'), /ifupdown2 is installed, but \/etc\/network\/interfaces names eth0 nowhere/)
  assert.throws(() => chooseSystem(NETWORK_SYSTEMS, facts(net, classic), nic('eth0'), 'br0', { forced: 'ifupdown2' }), /backend ifupdown2 was asked for, but ifupdown2 does not keep eth0 on this host/)
})

/** The ifupdown2 lab host's static uplink, bridged. */
const staticBridged = () => persistOne({ bridge: 'br0' }, canned('network-fresh.txt'), system(LAB))

test("persist, the ifupdown2 host's static uplink: eth0 manual, br0 in Proxmox's syntax with the uplink's MAC; the rest kept", () => {
  const net = canned('network-fresh.txt')
  const f = staticBridged()
  assert.is(f.path, INTERFACES)
  assert.is(
    f.content,
    `# The uplink of lab host h3 (a Debian hypervisor with ifupdown2, as
# Proxmox VE runs it, before any bridge): networking.service brings it up.
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
	bridge-ports eth0
	bridge-stp off
	bridge-fd 0
	bridge-ports-condone-regex ^vnet[0-9]+$
	hwaddress 02:6b:76:13:00:03
`,
  )
  assertIdempotent({ bridge: 'br0' }, net, f)
})

withIfquery2("ifupdown2's ifquery reads the static uplink's file so: eth0 manual, br0 static with its address, gateway, bridge options and MAC", () => {
  const q = ifquery2Json(staticBridged().content)
  assert.equal(
    q.map((s) => [s.name, s.addr_family, s.addr_method, s.auto]),
    [['lo', 'inet', 'loopback', true], ['eth0', 'inet', 'manual', true], ['br0', 'inet', 'static', true]],
  )
  assert.equal(q[2].config, { address: '198.19.3.2/24', gateway: '198.19.3.1', 'bridge-ports': 'eth0', 'bridge-stp': 'off', 'bridge-fd': '0', 'bridge-ports-condone-regex': '^vnet[0-9]+$', hwaddress: '02:6b:76:13:00:03' })
})

/** The dual-stack uplink with a route someone added, and its ifupdown2 file (every IPv4 address in one stanza). */
const dualStackNet = (): HostNetwork => {
  const ds = canned('network-dualstack.txt')
  return { ...ds, routes: [...ds.routes, { dst: '198.51.100.0/24', gateway: '198.18.7.254', dev: 'eth0', protocol: 'boot' }] }
}
const DUALSTACK = 'auto eth0\niface eth0 inet static\n\taddress 198.18.7.2/24\n\taddress 198.18.70.2/26\n\taddress 198.18.7.3/24\n\tgateway 198.18.7.1\n\tmtu 9000\n\niface eth0 inet6 static\n\taddress 2001:db8:7::2/64\n\tgateway 2001:db8:7::1\n'

test('persist, the dual-stack uplink: every IPv4 address an address line of the one stanza, IPv6 in an inet6 stanza with its gateway, the MTU on both, routes as up lines', () => {
  const net = dualStackNet()
  const f = persistOne({ bridge: 'br0' }, net, system(DUALSTACK))
  const stanzas = parseStanzas(f.content)
  assert.equal(stanzas.map((s) => `${s.iface} ${s.family} ${s.method}`), ['eth0 inet manual', 'br0 inet static', 'br0 inet6 static'])
  assert.equal(stanzas[0].options, ['\tmtu 9000'])
  assert.equal(
    stanzas[1].options.map((o) => o.trim()),
    ['address 198.18.7.2/24', 'address 198.18.70.2/26', 'address 198.18.7.3/24', 'gateway 198.18.7.1', 'bridge-ports eth0', 'bridge-stp off', 'bridge-fd 0', 'bridge-ports-condone-regex ^vnet[0-9]+$', 'hwaddress 02:6b:76:12:00:07', 'mtu 9000', 'up ip route replace 198.51.100.0/24 via 198.18.7.254 dev br0'],
  )
  assert.equal(stanzas[2].options.map((o) => o.trim()), ['address 2001:db8:7::2/64', 'gateway 2001:db8:7::1'])
  assertIdempotent({ bridge: 'br0' }, net, f)
})

withIfquery2("ifupdown2's ifquery reads the dual-stack uplink's file: the IPv4 addresses, the route's up line, the inet6 stanza", () => {
  const q = ifquery2Json(persistOne({ bridge: 'br0' }, dualStackNet(), system(DUALSTACK)).content, 'br0')
  assert.equal(q[0].config.address, ['198.18.7.2/24', '198.18.70.2/26', '198.18.7.3/24'])
  assert.is(q[0].config.up, 'ip route replace 198.51.100.0/24 via 198.18.7.254 dev br0')
  assert.equal([q[1].addr_family, q[1].config], ['inet6', { address: '2001:db8:7::2/64', gateway: '2001:db8:7::1' }])
})

test('persist, a DHCP uplink: iface br0 inet dhcp with the MAC (the same lease); netmask, stp and a delay where asked', () => {
  const fresh = canned('network-fresh.txt')
  const net: HostNetwork = { ...fresh, links: fresh.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)) }
  const f = persistOne({ bridge: 'br0' }, net, system('auto eth0\niface eth0 inet dhcp\n'))
  assert.match(f.content, /^auto br0\niface br0 inet dhcp\n\tbridge-ports eth0\n\tbridge-stp off\n\tbridge-fd 0\n\tbridge-ports-condone-regex \^vnet\[0-9\]\+\$\n\thwaddress 02:6b:76:13:00:03\n$/m)
  assertIdempotent({ bridge: 'br0' }, net, f)
  const o: BridgeOptions = { bridge: 'br0', netmask: true, stp: true, delay: 2 }
  const g = persistOne(o, fresh, system(LAB))
  assert.match(g.content, /\taddress 198\.19\.3\.2\n\tnetmask 255\.255\.255\.0\n\tgateway 198\.19\.3\.1\n\tbridge-ports eth0\n\tbridge-stp on\n\tbridge-fd 2\n/)
  assertIdempotent(o, fresh, g)
})

test("Proxmox: migrating to its vmbr0 changes no file and nothing runs; a second bridge br0 over eth0 is refused, naming vmbr0 and how to use it", () => {
  const sys = system(PROXMOX)
  const w = bridgeWish({ bridge: 'vmbr0' }, proxmox)
  assert.ok(definedAsWished(sys.ifupdown2!, w))
  assert.equal(ifupdown2Backend.persist(w, facts(proxmox, sys)), [{ path: INTERFACES, content: PROXMOX }], 'the file as the installer wrote it')
  assert.is(ifupdown2Backend.planRuntime(w, facts(proxmox, sys)), undefined)
  // Its MAC is the system's own (udev's on a real host): a vmbr0 with another MAC is no reason to change anything.
  const otherMac = { ...proxmox, links: proxmox.links.map((l) => (l.name === 'vmbr0' ? { ...l, mac: '0a:00:00:00:00:01' } : l)) }
  assert.is(ifupdown2Backend.planRuntime(bridgeWish({ bridge: 'vmbr0' }, otherMac), facts(otherMac, sys)), undefined)
  assert.is(chooseSystem(NETWORK_SYSTEMS, facts(proxmox, sys), nic('eth0'), 'br0').name, 'ifupdown2')
  const br0 = bridgeWish({ bridge: 'br0' }, proxmox)
  const refusal = /eth0 is already a port of bridge vmbr0 \(eth0 is its port now\): kvmplay does not put it into a second bridge br0\. Use vmbr0 — the migration playbooks take -e bridge=vmbr0 — or remove it first; nothing was changed/
  assert.throws(() => ifupdown2Backend.persist(br0, facts(proxmox, sys)), refusal)
  assert.throws(() => ifupdown2Backend.planRuntime(br0, facts(proxmox, sys)), refusal)
  // Before it is up, the files alone say so.
  assert.throws(() => ifupdown2Backend.persist(bridgeWish({ bridge: 'br0', device: 'eth0' }, unbridged), facts(unbridged, sys)), /already a port of bridge vmbr0 \(\/etc\/network\/interfaces makes eth0 its port\)/)
  // The way back does not remove a bridge kvmplay did not write.
  const foreign = /vmbr0 is not a bridge kvmplay wrote \(\/etc\/network\/interfaces defines it without kvmplay's line\): it was there before, so the way back keeps it — run it with -e remove_bridge=false/
  assert.throws(() => ifupdown2Backend.persist(gone(w), facts(proxmox, sys)), foreign)
  assert.throws(() => ifupdown2Backend.planRuntime(gone(w), facts(proxmox, sys)), foreign)
  // vmbr0 written otherwise than wished (another address): rewritten as kvmplay writes a bridge.
  const moved = persistOne({ bridge: 'vmbr0', address: '198.19.1.9', prefix: 24 }, proxmox, sys)
  assert.match(moved.content, /^# kvmplay: bridge vmbr0 over eth0: .*\nauto vmbr0\niface vmbr0 inet static\n\taddress 198\.19\.1\.9\/24\n/m)
  assert.match(moved.content, /\thwaddress 02:6b:76:13:00:01\n/)
})

test('planRuntime: nothing once br0 carries the address with eth0 its port; else ifreload -a, failing loudly', () => {
  const sys = system(H1)
  assert.is(ifupdown2Backend.planRuntime(bridgeWish({ bridge: 'br0' }, bridged), facts(bridged, sys)), undefined)
  const change = ifupdown2Backend.planRuntime(bridgeWish({ bridge: 'br0' }, unbridged), facts(unbridged, sys))!
  assert.equal(changedLinks(change), ['br0', 'eth0'])
  const lines = change.apply.split('\n')
  assert.is(lines[0], 'set -e')
  assert.is(lines.at(-1), 'ifreload -a')
  assert.match(change.describe, /^ifreload -a/)
  // The dual-stack host bridged without its IPv6 address is not as wished.
  const ds = canned('network-dualstack.txt')
  assert.ok(ifupdown2Backend.planRuntime(bridgeWish({ bridge: 'br0' }, ds), facts(ds, system(''))))
})

test('restore: the links, routes and files as they were, then ifupdown2 reloads them (ip again if it fails); the script parses', () => {
  const net = canned('network-dualstack.txt')
  const sys = system('')
  const change = ifupdown2Backend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net, sys))!
  const r = ifupdown2Backend.restore(change, facts(net, sys), [{ path: INTERFACES, content: LAB, mode: '0644', owner: 'root', group: 'root' }])
  assert.match(r.script, /ip link del br0/)
  assert.match(r.script, /ip addr add 198\.18\.7\.2\/24 dev eth0/)
  assert.match(r.script, /ip -6 route replace default via 2001:db8:7::1 dev eth0/)
  // The default routes ip put back give way to ifupdown2's own (proto kernel onlink), and come back by ip if the reload brings none.
  assert.match(r.script, /mv -f -- \/etc\/network\/\.interfaces\.kvmplay-tmp \/etc\/network\/interfaces\nip -4 route del default dev eth0 2>\/dev\/null\nip -6 route del default dev eth0 2>\/dev\/null\nifreload -a \|\| \{\nip link del br0/)
  assert.match(r.script, /\n\}\n\[ -n "\$\(ip -4 route show default\)" \] \|\| ip -4 route replace default via 198\.18\.7\.1 dev eth0\n\[ -n "\$\(ip -6 route show default\)" \] \|\| ip -6 route replace default via 2001:db8:7::1 dev eth0\n$/)
  assert.match(r.describe, /ifupdown2 reloads the files put back$/)
  const check = spawnSync('sh', ['-n'], { input: r.script + change.apply, encoding: 'utf8' })
  assert.is(check.status, 0, check.stderr)
})


test.run()
