/** The ifcfg way back (the wish `absent`): ifcfg-br0 gone, ifcfg-eth0 the uplink's own again, from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { ifcfg as ifcfgSystem } from '../../../../src/network/systems/ifcfg/index.ts'
import { bridged, gone, routed } from '../way-back.ts'

test('ifcfg: ifcfg-br0 goes, ifcfg-eth0 carries the address again', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const [br, route, eth, ...rest] = ifcfgSystem.persist(gone(w), { net: bridged, system: { netplan: [], networkScripts: false } })
  assert.equal(br, { path: '/etc/sysconfig/network-scripts/ifcfg-br0' })
  assert.equal(route, { path: '/etc/sysconfig/network-scripts/route-br0' })
  assert.equal(rest, [], 'no static routes: no route-eth0')
  for (const l of ['DEVICE=eth0', 'TYPE=Ethernet', 'BOOTPROTO=none', 'IPADDR=198.19.1.2', 'PREFIX=24', 'GATEWAY=198.19.1.1', 'HWADDR=02:6b:76:13:00:01']) assert.ok(eth.content!.split('\n').includes(l), `${l} in\n${eth.content}`)
  assert.not.match(eth.content!, /BRIDGE=/)
})

test("the bridge's static routes go back to the uplink: route-eth0", () => {
  const w = bridgeWish({ bridge: 'br0' }, routed)
  const ifcfg = ifcfgSystem.persist(gone(w), { net: routed, system: { netplan: [], networkScripts: true } })
  assert.equal(ifcfg.at(-1), { path: '/etc/sysconfig/network-scripts/route-eth0', content: ifcfg.at(-1)!.content })
  assert.ok(ifcfg.at(-1)!.content!.split('\n').includes('198.51.100.0/24 via 198.19.1.254 dev eth0'), ifcfg.at(-1)!.content)
})

test.run()
