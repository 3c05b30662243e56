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
    'addr del 198.19.3.2/24 dev eth0',
    'route replace default via 198.19.3.1 dev br0',
  ])
  const bridged = canned('network-bridged.txt')
  assert.equal(iproute2Plan(bridgeWish({ bridge: 'br0' }, bridged), bridged), [])
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
