/** The network fact against real output of a lab host, before and after bridging. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork, uplinkOf } from '../../src/facts/network.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))

test('a fresh host: eth0 carries the address and the default route; DNS from resolv.conf', () => {
  const net = canned('network-fresh.txt')
  assert.is(net.backend, 'iproute2')
  assert.equal(net.dns, ['198.19.3.1'])
  const eth0 = net.links.find((l) => l.name === 'eth0')!
  assert.equal(eth0.addresses, [{ address: '198.19.3.2', prefix: 24 }])
  assert.is(eth0.kind, 'veth')
  assert.equal(uplinkOf(net), { device: 'eth0', mac: '02:6b:76:13:00:03', carrier: 'eth0', address: '198.19.3.2', prefix: 24, gateway: '198.19.3.1', dns: ['198.19.3.1'] })
})

test('a bridged host: the uplink is still eth0, its address now on br0', () => {
  const net = canned('network-bridged.txt')
  assert.is(net.links.find((l) => l.name === 'eth0')!.master, 'br0')
  assert.equal(uplinkOf(net, 'br0'), { device: 'eth0', mac: '02:6b:76:13:00:01', carrier: 'br0', address: '198.19.1.2', prefix: 24, gateway: '198.19.1.1', dns: ['198.19.1.1'] })
})

test('no default route: the uplink cannot be told, and the error says what to give', () => {
  const net = canned('network-fresh.txt')
  assert.throws(() => uplinkOf({ ...net, routes: net.routes.filter((r) => r.dst !== 'default') }), /no default route.*give device, address, prefix and gateway/)
})

test.run()
