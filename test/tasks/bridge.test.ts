/** ifcfg files against the seed's, and the iproute2 plan of the apply step. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { parseIfcfg } from '../../src/facts/ifcfg.ts'
import { writeIfcfg } from '../../tasks/bridge.ts'
import { bridgeWish } from '../../src/network/wish.ts'
import { ifcfgFiles } from '../../src/network/backends/ifcfg.ts'
import { iproute2Plan } from '../../src/network/iproute2.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))

test("with the seed's values, the files say what the seed's ifcfg-br0 and ifcfg-eno16777736 say", () => {
  const net = canned('network-fresh.txt')
  // The seed's host: eno16777736 with 00:0c:29:09:0d:3d, 192.168.7.183/24 via .254 (file contents only).
  const w = bridgeWish({ bridge: 'br0', device: 'eth0', hwaddr: '00:0c:29:09:0d:3d', address: '192.168.7.183', netmask: '255.255.255.0', gateway: '192.168.7.254', dns: [] }, net)
  const [br, port] = ifcfgFiles({ ...w, device: 'eno16777736' })
  assert.is(br.path, '/etc/sysconfig/network-scripts/ifcfg-br0')
  const b = parseIfcfg(br.content)
  for (const [k, v] of Object.entries({ DEVICE: 'br0', TYPE: 'Bridge', NM_CONTROLLED: 'no', IPADDR: '192.168.7.183', NETMASK: '255.255.255.0', GATEWAY: '192.168.7.254', ONBOOT: 'yes' })) assert.is(b[k], v, k)
  assert.is(b.PREFIX, undefined)
  const p = parseIfcfg(port.content)
  for (const [k, v] of Object.entries({ BOOTPROTO: 'none', DEVICE: 'eno16777736', HWADDR: '00:0c:29:09:0d:3d', NM_CONTROLLED: 'no', ONBOOT: 'yes', BRIDGE: 'br0' })) assert.is(p[k], v, k)
  assert.is(p.IPADDR, undefined)
})

test("writeIfcfg({ bridge: 'br0' }) takes everything else from the host's facts", () => {
  const w = bridgeWish({ bridge: 'br0' }, canned('network-fresh.txt'))
  assert.equal(w, {
    bridge: 'br0', device: 'eth0', hwaddr: '02:6b:76:13:00:03', bootproto: 'static', address: '198.19.3.2', prefix: 24,
    netmask: undefined, gateway: '198.19.3.1', dns: ['198.19.3.1'], stp: false, delay: 0, nmControlled: false,
  })
  const b = parseIfcfg(ifcfgFiles(w)[0].content)
  assert.equal([b.IPADDR, b.PREFIX, b.GATEWAY, b.DNS1, b.STP, b.DELAY], ['198.19.3.2', '24', '198.19.3.1', '198.19.3.1', 'no', '0'])
})

test('the same wish before and after the bridge exists (so the second run changes nothing)', () => {
  const before = bridgeWish({ bridge: 'br0' }, canned('network-fresh.txt'))
  const after = bridgeWish({ bridge: 'br0' }, canned('network-bridged.txt'))
  assert.equal({ ...after, hwaddr: '', address: '', gateway: '', dns: [] }, { ...before, hwaddr: '', address: '', gateway: '', dns: [] })
})

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

test('bad values are refused when the playbook is built', () => {
  assert.throws(() => writeIfcfg({ bridge: 'br0; reboot' }), /invalid bridge name/)
  assert.throws(() => writeIfcfg({ bridge: 'br0', address: '10.0.0.256' }), /invalid address/)
  assert.throws(() => writeIfcfg({ bridge: 'br0', hwaddr: '00:0c:29:09:0d' }), /invalid HWADDR/)
  assert.throws(() => writeIfcfg({ bridge: 'br0', netmask: '255.0.255.0' }), /contiguous netmask/)
  assert.throws(() => writeIfcfg({ bridge: 'br0', device: 'br0' }), /cannot both be br0/)
  assert.throws(() => writeIfcfg({ bridge: 'br0', dns: ['8.8.8.8`id`'] }), /invalid DNS server/)
})

test.run()
