/** systemd-networkd's way back (the wish `absent`): the uplink's .network as it was before the bridge, the bridge's files gone, the bridge deleted with ip — from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { networkd } from '../../../../src/network/systems/networkd/index.ts'
import { BRNET, CLIENT_ID, DHCP, NETDEV, STATIC, UPLINK, bridged, canned, facts, leased, system } from './hosts.ts'

test('the way back: the uplink\'s file as it was before the bridge (static and DHCP), the bridge\'s files absent; ip link del, reload, reconfigure', () => {
  for (const [original, net, clientId] of [[STATIC, canned('network-fresh.txt'), '-'], [DHCP, leased(), CLIENT_ID]] as const) {
    const there = networkd.persist(bridgeWish({ bridge: 'br0' }, net), facts(net, system([{ path: UPLINK, content: original }], [`eth0 ${UPLINK} ${clientId}`])))
    const after = bridged(net)
    const sys = system(there, [`eth0 ${UPLINK} -`, `br0 ${BRNET} ${clientId}`])
    const back = networkd.persist(bridgeWish({ bridge: 'br0' }, after, 'absent'), facts(after, sys))
    assert.equal(back, [{ path: UPLINK, content: original }, { path: NETDEV }, { path: BRNET }])
    const change = networkd.planRuntime(bridgeWish({ bridge: 'br0' }, after, 'absent'), facts(after, sys))!
    // networkd never deletes a netdev: ip does, before networkd reads the files and gives eth0 its addressing back (then awaited).
    assert.ok(change.apply.startsWith('set -e\nip link del br0\nnetworkctl reload\ni=0; until { '), change.apply)
    assert.match(change.apply, /dev eth0/)
    // Unbridged: the same paths, nothing to do.
    const sysBack = system(back, [`eth0 ${UPLINK} ${clientId}`])
    assert.equal(networkd.persist(bridgeWish({ bridge: 'br0' }, net, 'absent'), facts(net, sysBack)), back)
    assert.is(networkd.planRuntime(bridgeWish({ bridge: 'br0' }, net, 'absent'), facts(net, sysBack)), undefined)
    const r = networkd.restore(change, facts(after, sys), [])
    assert.match(r.script, /\[ -e \/sys\/class\/net\/br0 \] \|\| \{ ip link add br0 type bridge && ip link set br0 address 02:6b:76:13:00:03; \}/)
    assert.match(r.script, /networkctl reconfigure br0 eth0/)
  }
})

test.run()
