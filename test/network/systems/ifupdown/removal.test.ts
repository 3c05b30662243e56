/** ifupdown's way back (the wish `absent`): the file as it was, the change, the rollback, from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { ifupdown as ifupdownSystem } from '../../../../src/network/systems/ifupdown/index.ts'
import { bridged, fresh, gone, routed } from '../way-back.ts'

const LAB = `# The uplink of lab host h1 (a Debian hypervisor): \`ifup -a\` brings it up at boot.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
	address 198.19.1.2/24
	gateway 198.19.1.1
	dns-nameservers 198.19.1.1
`
const ifupdown = (content: string): NetworkSystemFacts => ({ netplan: [], networkScripts: false, ifupdown: [{ path: '/etc/network/interfaces', content }] })

test('ifupdown: the way back of a bridged interfaces file is the file as it was, and rewrites to itself', () => {
  const w = bridgeWish({ bridge: 'br0' }, fresh)
  const there = ifupdownSystem.persist(w, { net: fresh, system: ifupdown(LAB) })[0].content!
  assert.match(there, /iface br0 inet static/)
  const back = ifupdownSystem.persist(gone(w), { net: bridged, system: ifupdown(there) })
  assert.equal(back, [{ path: '/etc/network/interfaces', content: LAB }])
  assert.equal(ifupdownSystem.persist(gone(w), { net: fresh, system: ifupdown(LAB) }), back, 'unbridged already: the same file')
})

test('ifupdown: an uplink no auto line brings up gets one', () => {
  const w = bridgeWish({ bridge: 'br0' }, fresh)
  const there = ifupdownSystem.persist(w, { net: fresh, system: ifupdown(LAB.replace('auto eth0\n', '')) })[0].content!
  const back = ifupdownSystem.persist(gone(w), { net: bridged, system: ifupdown(there) })[0].content!
  assert.match(back, /^auto eth0\niface eth0 inet static\n\taddress 198\.19\.1\.2\/24\n/m)
})

test('ifupdown: the change deletes the bridge and ifups the uplink; the rollback recreates the bridge with its MAC and tells ifupdown both are up', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const change = ifupdownSystem.planRuntime(gone(w), { net: bridged, system: ifupdown('') })!
  assert.match(change.apply, /ip link del br0[^\n]*\n[\s\S]*ifup eth0$/)
  assert.is(ifupdownSystem.planRuntime(gone(w), { net: fresh, system: ifupdown(LAB) }), undefined)
  const restore = ifupdownSystem.restore(change, { net: bridged, system: ifupdown('') }, []).script
  assert.match(restore, /\[ -e \/sys\/class\/net\/br0 \] \|\| \{ ip link add br0 type bridge && ip link set br0 address 02:6b:76:13:00:01; \}/)
  assert.match(restore, /ip link set eth0 master br0/)
  assert.match(restore, /printf '%s\\n' br0 > \/run\/network\/ifstate\.br0/)
})

test("the bridge's static routes go back to the uplink: an up line of its stanza", () => {
  const w = bridgeWish({ bridge: 'br0' }, routed)
  const there = ifupdownSystem.persist(w, { net: routed, system: ifupdown(LAB) })[0].content!
  const back = ifupdownSystem.persist(gone(w), { net: routed, system: ifupdown(there) })[0].content!
  assert.match(back, /iface eth0 inet static\n(\t.+\n)*\tup ip route replace 198\.51\.100\.0\/24 via 198\.19\.1\.254 dev eth0\n/)
})

test.run()
