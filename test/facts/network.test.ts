/** The network fact against real output of a lab host, before and after bridging. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork, uplinkOf } from '../../src/facts/network.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))

test('a fresh host: eth0 carries the address and the default route; DNS from resolv.conf', () => {
  const net = canned('network-fresh.txt')
  assert.is(net.linkTool, 'iproute2')
  assert.equal(net.dns, ['198.19.3.1'])
  const eth0 = net.links.find((l) => l.name === 'eth0')!
  assert.equal(eth0.addresses, [{ address: '198.19.3.2', prefix: 24 }])
  assert.is(eth0.kind, 'veth')
  assert.equal(uplinkOf(net), {
    device: 'eth0', mac: '02:6b:76:13:00:03', carrier: 'eth0', addresses: [{ address: '198.19.3.2', prefix: 24 }], addresses6: [],
    gateway: '198.19.3.1', gateway6: undefined, mtu: undefined, dns: ['198.19.3.1'],
  })
})

test('a bridged host: the uplink is still eth0, its address now on br0', () => {
  const net = canned('network-bridged.txt')
  assert.is(net.links.find((l) => l.name === 'eth0')!.master, 'br0')
  assert.equal(uplinkOf(net, 'br0'), {
    device: 'eth0', mac: '02:6b:76:13:00:01', carrier: 'br0', addresses: [{ address: '198.19.1.2', prefix: 24 }], addresses6: [],
    gateway: '198.19.1.1', gateway6: undefined, mtu: undefined, dns: ['198.19.1.1'],
  })
})

test('a dual-stack uplink: every IPv4 address (the primary first), the global IPv6 one, both default routes, the MTU', () => {
  const net = canned('network-dualstack.txt')
  assert.equal(uplinkOf(net), {
    device: 'eth0', mac: '02:6b:76:12:00:07', carrier: 'eth0',
    addresses: [{ address: '198.18.7.2', prefix: 24 }, { address: '198.18.70.2', prefix: 26 }, { address: '198.18.7.3', prefix: 24 }],
    addresses6: [{ address: '2001:db8:7::2', prefix: 64 }],
    gateway: '198.18.7.1', gateway6: '2001:db8:7::1', mtu: 9000, dns: ['198.18.7.1', '2001:db8:7::1'],
  })
  assert.equal(net.routes6, [{ dst: 'default', gateway: '2001:db8:7::1', dev: 'eth0', metric: 1024 }], 'the unreachable default of lo is not a route out')
})

test('an uplink kvmplay cannot bridge is refused, named', () => {
  const net = canned('network-fresh.txt')
  const team = { ...net, links: net.links.map((l) => (l.name === 'eth0' ? { ...l, kind: 'team' } : l)) }
  assert.throws(() => uplinkOf(team), /the uplink eth0 is a team device, which kvmplay cannot put into a bridge/)
})

test('no default route: the uplink cannot be told, and the error says what to give', () => {
  const net = canned('network-fresh.txt')
  assert.throws(() => uplinkOf({ ...net, routes: net.routes.filter((r) => r.dst !== 'default') }), /no default route.*give device, address, prefix and gateway/)
})

test.run()
