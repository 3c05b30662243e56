/** The bridge wished for on a host: options first, the host's facts for the rest. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { parseIfcfg } from '../../src/facts/ifcfg.ts'
import { bridgeWish, validateBridgeOptions } from '../../src/network/wish.ts'
import { ifcfgFiles } from '../../src/network/backends/ifcfg.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))

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

test('bad values are refused when the playbook is built', () => {
  assert.throws(() => validateBridgeOptions({ bridge: 'br0; reboot' }), /invalid bridge name/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', address: '10.0.0.256' }), /invalid address/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', hwaddr: '00:0c:29:09:0d' }), /invalid HWADDR/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', netmask: '255.0.255.0' }), /contiguous netmask/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', device: 'br0' }), /cannot both be br0/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', dns: ['8.8.8.8`id`'] }), /invalid DNS server/)
})

test.run()

test('rollbackFiles is bridge, run or a list of absolute paths', () => {
  validateBridgeOptions({ bridge: 'br0', rollbackFiles: 'run' })
  validateBridgeOptions({ bridge: 'br0', rollbackFiles: ['/etc/x'] })
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', rollbackFiles: 'all' as never }), /invalid rollbackFiles/)
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', rollbackFiles: ['etc/x'] }), /absolute path/)
})

test.run()
