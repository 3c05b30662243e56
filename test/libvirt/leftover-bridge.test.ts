import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { leftoverBridge } from '../../src/libvirt/leftover-bridge.ts'
import type { HostNetwork, Link } from '../../src/facts/network.ts'
import type { LibvirtNetwork, LibvirtState } from '../../src/facts/libvirt.ts'

const link = (name: string, extra: Partial<Link> = {}): Link => ({ name, mac: '52:54:00:00:00:01', up: true, addresses: [], addresses6: [], ...extra })
const net = (...links: Link[]): HostNetwork => ({ links, routes: [], routes6: [] }) as unknown as HostNetwork
const network = (name: string, bridge: string, active: boolean) => [name, { name, active, bridge, spec: { name, forward: 'nat', bridge } } as unknown as LibvirtNetwork] as const
const state = (...nets: (readonly [string, LibvirtNetwork])[]): LibvirtState => ({ available: true, networks: new Map(nets), domains: new Map() })

const virbr0 = link('virbr0', { kind: 'bridge', addresses: [{ address: '192.168.122.1', prefix: 24 }] as Link['addresses'] })

test('no bridge of that name: nothing in the way', () => {
  assert.is(leftoverBridge('h1', 'default', 'virbr0', net(link('eth0')), state(network('default', 'virbr0', false))), undefined)
})

test('virbr0 left with its address and no port, default inactive: it is the one to delete', () => {
  assert.is(leftoverBridge('h1', 'default', 'virbr0', net(link('eth0'), virbr0), state(network('default', 'virbr0', false))), 'virbr0')
  assert.is(leftoverBridge('h1', 'default', 'virbr0', net(virbr0), state()), 'virbr0', 'a network not defined yet too')
})

test('a port on it: refused, naming the ports and what to do', () => {
  assert.throws(() => leftoverBridge('h1', 'default', 'virbr0', net(virbr0, link('vnet0', { kind: 'tun', master: 'virbr0' })), state()), /h1: network default cannot start: .*ports vnet0.*ip link del virbr0.*nothing was changed/)
})

test('held by another active network, or not a bridge: refused', () => {
  assert.throws(() => leftoverBridge('h1', 'default', 'virbr0', net(virbr0), state(network('other', 'virbr0', true))), /held by network other, which is active/)
  assert.throws(() => leftoverBridge('h1', 'default', 'eth1', net(link('eth1')), state()), /eth1 exists and is not a bridge/)
})

test.run()
