/** NetworkManager's way back (the wish `absent`): the bridge's keyfile gone, the port the uplink's profile again, under a checkpoint, from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NmProfile } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { networkManager } from '../../../../src/network/systems/networkmanager/index.ts'
import { nic } from '../uplinks.ts'
import { bridged, fresh, gone, routed } from '../way-back.ts'

const KEYFILES = '/etc/NetworkManager/system-connections'
const port: NmProfile = { name: 'br0-port-eth0', uuid: '0b1c7a3e-6a55-5c0e-9a1f-2d3e4f5a6b7c', type: '802-3-ethernet', device: 'eth0', active: true, filename: `${KEYFILES}/eth0.nmconnection` }
const bridgeP: NmProfile = { name: 'br0', uuid: '11111111-2222-5333-8444-555555555555', type: 'bridge', device: 'br0', active: true, filename: `${KEYFILES}/br0.nmconnection` }

test('NetworkManager: the bridge keyfile goes, the port becomes the uplink again (same file, same uuid), under a checkpoint', () => {
  const f = { net: bridged, system: { netplan: [], networkScripts: false, networkManager: { profiles: [bridgeP, port] } } }
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const [br, eth] = networkManager.persist(gone(w), f)
  assert.equal(br, { path: `${KEYFILES}/br0.nmconnection` })
  assert.is(eth.path, `${KEYFILES}/eth0.nmconnection`)
  for (const l of ['id=eth0', `uuid=${port.uuid}`, 'type=ethernet', 'mac-address=02:6b:76:13:00:01', 'method=manual', 'address1=198.19.1.2/24,198.19.1.1']) assert.ok(eth.content!.split('\n').includes(l), `${l} in\n${eth.content}`)
  assert.not.match(eth.content!, /master=|slave-type/)
  const change = networkManager.planRuntime(gone(w), f)!
  assert.match(change.apply, /CheckpointCreate[\s\S]*nmcli connection reload[\s\S]*connection up uuid 0b1c7a3e/)
  // Unbridged: the uplink's profile active on eth0, no bridge profile left.
  const after = { net: fresh, system: { netplan: [], networkScripts: false, networkManager: { profiles: [{ ...port, name: 'eth0' }] } } }
  assert.is(networkManager.planRuntime(gone(w), after), undefined)
  assert.equal(networkManager.persist(gone(w), after)[1], eth, 'the same keyfile after the way back')
  assert.ok(networkManager.claims(after, nic('eth0'), 'br0'))
})

test("NetworkManager: the bridge's static route goes back into the uplink's keyfile", () => {
  const w = bridgeWish({ bridge: 'br0' }, routed)
  const [, eth] = networkManager.persist(gone(w), { net: routed, system: { netplan: [], networkScripts: false, networkManager: { profiles: [bridgeP, port] } } })
  assert.ok(eth.content!.split('\n').includes('route1=198.51.100.0/24,198.19.1.254'), eth.content)
})

test.run()
