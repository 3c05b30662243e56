/** The running host's change as iproute2 commands. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { bridgeWish } from '../../src/network/wish.ts'
import { ipBatch, iproute2Plan } from '../../src/network/iproute2.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))

test('the iproute2 apply: every command on a fresh host, none on a bridged one', () => {
  const fresh = canned('network-fresh.txt')
  assert.equal(iproute2Plan(bridgeWish({ bridge: 'br0' }, fresh), fresh), [
    'link add br0 type bridge stp_state 0 forward_delay 0',
    'link set br0 address 02:6b:76:13:00:03',
    'link set br0 up',
    'link set eth0 master br0',
    'addr add 198.19.3.2/24 dev br0',
    'addr flush dev eth0 scope global',
    'route replace default via 198.19.3.1 dev br0',
  ])
  const bridged = canned('network-bridged.txt')
  assert.equal(iproute2Plan(bridgeWish({ bridge: 'br0' }, bridged), bridged), [])
})

test('a dual-stack uplink: every address moves, the primary first, both default routes follow, and the MTU', () => {
  const net = canned('network-dualstack.txt')
  assert.equal(iproute2Plan(bridgeWish({ bridge: 'br0' }, net), net), [
    'link add br0 type bridge stp_state 0 forward_delay 0',
    'link set br0 address 02:6b:76:12:00:07',
    'link set br0 up',
    'link set eth0 master br0',
    'link set br0 mtu 9000',
    'addr add 198.18.7.2/24 dev br0',
    'addr add 198.18.70.2/26 dev br0',
    'addr add 198.18.7.3/24 dev br0',
    'addr add 2001:db8:7::2/64 dev br0 nodad',
    // One flush: a del of the primary would take its secondary 198.18.7.3 with it, and the next del fail.
    'addr flush dev eth0 scope global',
    'route replace default via 198.18.7.1 dev br0',
    'route replace default via 2001:db8:7::1 dev br0',
  ])
})

test("the uplink's own routes (not the kernel's prefix routes) move to the bridge with its addresses", () => {
  const fresh = canned('network-fresh.txt')
  const net = { ...fresh, routes: [...fresh.routes, { dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0', metric: 50, protocol: 'static' }, { dst: '10.0.0.0/8', dev: 'virbr0', protocol: 'boot' }] }
  const cmds = iproute2Plan(bridgeWish({ bridge: 'br0' }, net), net)
  assert.is(cmds.at(-1), 'route replace 198.51.100.0/24 via 198.19.3.254 dev br0 metric 50')
  assert.is(cmds.filter((c) => c.startsWith('route')).length, 2, cmds.join('\n'))
})

test('a leased address moves as it is; the bridge keeps the MAC, so the lease stays good', () => {
  const net = canned('network-fresh.txt')
  const leased = { ...net, links: net.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)) }
  const cmds = iproute2Plan(bridgeWish({ bridge: 'br0' }, leased), leased)
  assert.ok(cmds.includes('addr add 198.19.3.2/24 dev br0'), cmds.join('\n'))
})

test('a link of that name that is no bridge is refused, not reused', () => {
  const net = canned('network-fresh.txt')
  const w = bridgeWish({ bridge: 'br0' }, net)
  assert.throws(() => iproute2Plan({ ...w, bridge: 'lo' }, net), /lo exists and is a plain interface, not a bridge/)
})

test('the commands go as one ip -batch here-document', () => {
  assert.is(ipBatch(['link set br0 up', 'route replace default via 198.19.1.1 dev br0']), "ip -batch - <<'KVMPLAY_IPBATCH'\nlink set br0 up\nroute replace default via 198.19.1.1 dev br0\nKVMPLAY_IPBATCH")
})

test.run()
