/** The bridge wished for on a host: options first, the host's facts for the rest. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { parseIfcfg } from '../../src/facts/ifcfg.ts'
import { bridgeWish } from '../../src/network/wish.ts'
import { validateBridgeOptions } from '../../src/network/options.ts'
import { ifcfgFiles } from '../../src/network/systems/ifcfg/files.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))

test("the uplink's added routes are the bridge's, the same before and after the bridge exists (destination and gateway; not the kernel's, not a metric)", () => {
  const fresh = canned('network-fresh.txt')
  const route = { dst: '198.51.100.0/24', gateway: '198.19.3.254', protocol: 'static' }
  const before = bridgeWish({ bridge: 'br0' }, { ...fresh, routes: [...fresh.routes, { ...route, dev: 'eth0', metric: 100 }] })
  assert.equal(before.routes, [{ dst: '198.51.100.0/24', gateway: '198.19.3.254' }])
  const bridged = canned('network-bridged.txt')
  const after = bridgeWish({ bridge: 'br0' }, { ...bridged, routes: [...bridged.routes, { ...route, dev: 'br0', metric: 425 }] })
  assert.equal(after.routes, before.routes)
})

test("the network scripts' zeroconf route (169.254.0.0/16, no gateway) is the interface's own, not carried: ifup adds one on the bridge", () => {
  const fresh = canned('network-fresh.txt')
  const zeroconf = { dst: '169.254.0.0/16', dev: 'eth0', metric: 1002 }
  const static_ = { dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0', protocol: 'static' }
  assert.equal(bridgeWish({ bridge: 'br0' }, { ...fresh, routes: [...fresh.routes, zeroconf, static_] }).routes, [{ dst: '198.51.100.0/24', gateway: '198.19.3.254' }])
})

test("the port's static routes go to route-br0 (one ip-args line each, read by ifup-routes); none, no file", () => {
  const fresh = canned('network-fresh.txt')
  const net = { ...fresh, routes: [...fresh.routes, { dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0' }, { dst: '203.0.113.7', dev: 'eth0' }] }
  const files = ifcfgFiles(bridgeWish({ bridge: 'br0' }, net))
  assert.equal(files.map((f) => f.path), ['ifcfg-br0', 'ifcfg-eth0', 'route-br0'].map((n) => `/etc/sysconfig/network-scripts/${n}`))
  const lines = files[2].content!.split('\n').filter((l) => l && !l.startsWith('#'))
  assert.equal(lines, ['198.51.100.0/24 via 198.19.3.254 dev br0', '203.0.113.7 dev br0'])
  assert.is(ifcfgFiles(bridgeWish({ bridge: 'br0' }, fresh)).length, 2)
})

test("writeIfcfg({ bridge: 'br0' }) takes everything else from the host's facts", () => {
  const w = bridgeWish({ bridge: 'br0' }, canned('network-fresh.txt'))
  assert.equal(w, {
    state: 'present', bridge: 'br0', uplink: { kind: 'nic', name: 'eth0', mac: '02:6b:76:13:00:03' }, hwaddr: '02:6b:76:13:00:03', bootproto: 'static', address: '198.19.3.2', prefix: 24,
    netmask: undefined, addresses: [{ address: '198.19.3.2', prefix: 24 }], addresses6: [], gateway: '198.19.3.1', gateway6: undefined,
    dns: ['198.19.3.1'], mtu: undefined, stp: false, delay: 0, nmControlled: false, routes: [],
  })
  const b = parseIfcfg(ifcfgFiles(w)[0].content!)
  assert.equal([b.IPADDR, b.PREFIX, b.GATEWAY, b.DNS1, b.STP, b.DELAY], ['198.19.3.2', '24', '198.19.3.1', '198.19.3.1', 'no', '0'])
})

test('a dual-stack uplink: every address and both gateways are wished for the bridge', () => {
  const w = bridgeWish({ bridge: 'br0' }, canned('network-dualstack.txt'))
  assert.equal(w.addresses, [{ address: '198.18.7.2', prefix: 24 }, { address: '198.18.70.2', prefix: 26 }, { address: '198.18.7.3', prefix: 24 }])
  assert.equal(w.addresses6, [{ address: '2001:db8:7::2', prefix: 64 }])
  assert.equal([w.gateway, w.gateway6, w.mtu], ['198.18.7.1', '2001:db8:7::1', 9000])
})

test("a leased address stays leased: the bridge asks for it by DHCP, unless told an address", () => {
  const net = canned('network-fresh.txt')
  const leased = { ...net, links: net.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)) }
  const w = bridgeWish({ bridge: 'br0' }, leased)
  assert.equal([w.bootproto, w.address, w.addresses], ['dhcp', undefined, []])
  assert.is(bridgeWish({ bridge: 'br0', address: '198.19.3.9', prefix: 24 }, leased).bootproto, 'static')
})

test('an address given alone keeps the prefix the uplink has; the other addresses stay', () => {
  const w = bridgeWish({ bridge: 'br0', address: '198.18.7.99' }, canned('network-dualstack.txt'))
  assert.equal(w.addresses, [{ address: '198.18.7.99', prefix: 24 }, { address: '198.18.70.2', prefix: 26 }, { address: '198.18.7.3', prefix: 24 }])
})

test('the same wish before and after the bridge exists (so the second run changes nothing)', () => {
  const before = bridgeWish({ bridge: 'br0' }, canned('network-fresh.txt'))
  const after = bridgeWish({ bridge: 'br0' }, canned('network-bridged.txt'))
  const hostless = (w: typeof before) => ({ ...w, uplink: { ...w.uplink, mac: '' }, hwaddr: '', address: '', addresses: w.addresses.map((a) => a.prefix), gateway: '', dns: [] })
  assert.equal(hostless(after), hostless(before))
})

test('bad values are refused when the playbook is built', () => {
  assert.throws(() => validateBridgeOptions({ bridge: 'br0; reboot' }), /invalid bridge name/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', address: '10.0.0.256' }), /invalid address/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', hwaddr: '00:0c:29:09:0d' }), /invalid HWADDR/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', netmask: '255.0.255.0' }), /contiguous netmask/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', device: 'br0' }), /cannot both be br0/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', dns: ['8.8.8.8`id`'] }), /invalid DNS server/)
})

test.run()

test('rollbackFiles is bridge, run or a list of absolute paths', () => {
  validateBridgeOptions({ bridge: 'br0', rollbackFiles: 'run' })
  validateBridgeOptions({ bridge: 'br0', rollbackFiles: ['/etc/x'] })
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', rollbackFiles: 'all' as never }), /`rollbackFiles` must be 'bridge' or 'run' or a list/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', rollbackFiles: ['etc/x'] }), /absolute path/)
})

test.run()
