/** ifupdown2's way back (the wish `absent`): the file as it was, the change, the rollback, from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { ifupdown2 as ifupdown2Backend } from '../../../../src/network/systems/ifupdown2/index.ts'
import { ifquery2Json } from '../../../helpers/ifupdown2.ts'
import { bridged, fresh as unbridged, gone, withTap } from '../way-back.ts'
import { INTERFACES, facts, labFile, system, withIfquery2 } from './fixtures.ts'

const H1 = labFile(1)
/** The way back from the bridge on lab host h1's file. */
const wayBack = () => {
  const w = bridgeWish({ bridge: 'br0' }, unbridged)
  const there = ifupdown2Backend.persist(w, facts(unbridged, system(H1)))[0].content!
  return { w, there, back: ifupdown2Backend.persist(gone(w), facts(bridged, system(there))) }
}

test('the way back: the file as it was before the bridge, byte for byte, and the same again; an uplink no auto line brings up gets one', () => {
  const { w, there, back } = wayBack()
  assert.match(there, /iface br0 inet static/)
  assert.equal(back, [{ path: INTERFACES, content: H1 }])
  assert.equal(ifupdown2Backend.persist(gone(w), facts(unbridged, system(H1))), back, 'unbridged already: the same file')
  const noAuto = H1.replace('auto eth0\n', '')
  const there2 = ifupdown2Backend.persist(w, facts(unbridged, system(noAuto)))[0].content!
  const back2 = ifupdown2Backend.persist(gone(w), facts(bridged, system(there2)))[0].content!
  assert.match(back2, /^auto eth0\niface eth0 inet static\n\taddress 198\.19\.1\.2\/24\n\tgateway 198\.19\.1\.1\n/m)
})

withIfquery2("ifupdown2's ifquery reads the way back's file: eth0 static again, no bridge", () => {
  const q = ifquery2Json(wayBack().back[0].content!)
  assert.equal(q.map((s) => s.name), ['lo', 'eth0'])
  assert.equal(q[1].config, { address: '198.19.1.2/24', gateway: '198.19.1.1' })
})

test("the way back's change: ifreload -a, the bridge deleted where ifupdown2 leaves it; refused while a guest is on it; the rollback recreates the bridge with its MAC and reloads", () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const sys = system('')
  const change = ifupdown2Backend.planRuntime(gone(w), facts(bridged, sys))!
  assert.equal(change.apply.split('\n'), ['set -e', 'ifreload -a', "if [ -e /sys/class/net/br0 ]; then echo 'ifreload -a left br0 (unknown to ifupdown2'\\''s state): deleting it' >&2; ip link del br0; ifreload -a; fi"])
  assert.is(ifupdown2Backend.planRuntime(gone(w), facts(unbridged, system(H1))), undefined)
  assert.throws(() => ifupdown2Backend.planRuntime(gone(w), facts(withTap(bridged), sys)), /br0 still has ports other than eth0 \(vnet0\)/)
  const r = ifupdown2Backend.restore(change, facts(bridged, sys), [])
  assert.match(r.script, /\[ -e \/sys\/class\/net\/br0 \] \|\| \{ ip link add br0 type bridge && ip link set br0 address 02:6b:76:13:00:01; \}/)
  assert.match(r.script, /ip link set eth0 master br0/)
  assert.match(r.script, /\nifreload -a \|\| \{\n/)
  const check = spawnSync('sh', ['-n'], { input: r.script + change.apply, encoding: 'utf8' })
  assert.is(check.status, 0, check.stderr)
})

test.run()
