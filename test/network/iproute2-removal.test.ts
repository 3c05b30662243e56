/** The way back's iproute2 plan (the kernel's state from the bridge to the uplink alone) and the generic rollback, from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { bridgeWish } from '../../src/network/wish.ts'
import { unbridgePlan } from '../../src/network/iproute2-removal.ts'
import { snapshotOf, restoreScript } from '../../src/cutover/restore.ts'
import { bridged, fresh, routed, withTap } from './systems/way-back.ts'

test('iproute2: the bridge goes, the uplink takes its address and the default route back; nothing to do once unbridged', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  assert.equal(unbridgePlan(w, bridged), ['link set eth0 nomaster', 'addr add 198.19.1.2/24 dev eth0', 'link del br0', 'route replace default via 198.19.1.1 dev eth0'])
  assert.equal(unbridgePlan(bridgeWish({ bridge: 'br0' }, fresh), fresh), [])
  // The same wish before and after: the way back plans the same on both.
  assert.equal(bridgeWish({ bridge: 'br0' }, fresh), w)
})

test('a guest still on the bridge: refused, named, before anything changes', () => {
  const net = withTap(bridged)
  assert.throws(() => unbridgePlan(bridgeWish({ bridge: 'br0' }, net), net), /br0 still has ports other than eth0 \(vnet0\): move the guests off it first/)
})

test("the bridge's static routes go back to the uplink: ip after the bridge goes", () => {
  const w = bridgeWish({ bridge: 'br0' }, routed)
  assert.equal(unbridgePlan(w, routed).slice(-2), ['route replace default via 198.19.1.1 dev eth0', 'route replace 198.51.100.0/24 via 198.19.1.254 dev eth0'])
})

test('the generic rollback creates no bridge where there was none before the change (it deletes it)', () => {
  const snap = restoreScript(snapshotOf(fresh, ['br0', 'eth0']), [])
  assert.not.match(snap, /ip link add/)
  assert.match(snap, /ip link del br0/)
})

test.run()
