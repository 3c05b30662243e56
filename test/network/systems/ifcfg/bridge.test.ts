/** The ifcfg system: the seed's files, the runtime change by the tool the host runs, the rollback. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../../../src/facts/network.ts'
import type { HostNetwork } from '../../../../src/facts/network.ts'
import { parseIfcfg } from '../../../../src/facts/ifcfg.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { changedLinks } from '../../../../src/network/system.ts'
import { ifcfg as ifcfgBackend } from '../../../../src/network/systems/ifcfg/index.ts'
import { ifcfgFiles } from '../../../../src/network/systems/ifcfg/files.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const facts = (net: HostNetwork) => ({ net, system: { netplan: [], networkScripts: false } })

test("with the seed's values, the files say what the seed's ifcfg-br0 and ifcfg-eno16777736 say", () => {
  const net = canned('network-fresh.txt')
  // The seed's host: eno16777736 with 00:0c:29:09:0d:3d, 192.168.7.183/24 via .254 (file contents only).
  const w = bridgeWish({ bridge: 'br0', device: 'eth0', hwaddr: '00:0c:29:09:0d:3d', address: '192.168.7.183', netmask: '255.255.255.0', gateway: '192.168.7.254', dns: [] }, net)
  const [br, port] = ifcfgFiles({ ...w, uplink: { ...w.uplink, name: 'eno16777736' } })
  assert.is(br.path, '/etc/sysconfig/network-scripts/ifcfg-br0')
  const b = parseIfcfg(br.content!)
  for (const [k, v] of Object.entries({ DEVICE: 'br0', TYPE: 'Bridge', NM_CONTROLLED: 'no', IPADDR: '192.168.7.183', NETMASK: '255.255.255.0', GATEWAY: '192.168.7.254', ONBOOT: 'yes' })) assert.is(b[k], v, k)
  assert.is(b.PREFIX, undefined)
  const p = parseIfcfg(port.content!)
  for (const [k, v] of Object.entries({ BOOTPROTO: 'none', DEVICE: 'eno16777736', HWADDR: '00:0c:29:09:0d:3d', NM_CONTROLLED: 'no', ONBOOT: 'yes', BRIDGE: 'br0' })) assert.is(p[k], v, k)
  assert.is(p.IPADDR, undefined)
})

test('the running host changes by the tool it runs: ip -batch, nmcli, or ifdown/ifup', () => {
  const net = canned('network-fresh.txt')
  const w = bridgeWish({ bridge: 'br0' }, net)
  const ip = ifcfgBackend.planRuntime(w, facts(net))!
  assert.match(ip.apply, /^ip -batch - <<'KVMPLAY_IPBATCH'\nlink add br0 type bridge/)
  assert.equal(changedLinks(ip), ['br0', 'eth0'])
  assert.match(ip.describe, /^link add br0 type bridge .*; route replace default via 198\.19\.3\.1 dev br0$/)
  assert.is(ifcfgBackend.planRuntime(w, facts({ ...net, linkTool: 'networkmanager' }))!.apply, "nmcli connection reload && nmcli connection up br0 && nmcli connection up eth0")
  assert.is(ifcfgBackend.planRuntime(w, facts({ ...net, linkTool: 'network-scripts' }))!.apply, 'ifdown eth0; ifup br0 && ifup eth0')
  const bridged = canned('network-bridged.txt')
  assert.is(ifcfgBackend.planRuntime(bridgeWish({ bridge: 'br0' }, bridged), facts(bridged)), undefined, 'nothing to do once bridged')
})

test('the rollback puts back the links as they were and exactly the files it is given', () => {
  const net = canned('network-fresh.txt')
  const change = ifcfgBackend.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts(net))!
  const r = ifcfgBackend.restore(change, facts(net), [{ path: '/etc/sysconfig/network-scripts/ifcfg-eth0', content: 'DEVICE=eth0\n', mode: '0644', owner: 'root', group: 'root' }, { path: '/etc/sysconfig/network-scripts/ifcfg-br0' }])
  assert.match(r.script, /ip link del br0/)
  assert.match(r.script, /ip addr add 198\.19\.3\.2\/24 dev eth0/)
  assert.match(r.script, /mv -f -- \/etc\/sysconfig\/network-scripts\/\.ifcfg-eth0\.kvmplay-tmp \/etc\/sysconfig\/network-scripts\/ifcfg-eth0/)
  assert.match(r.script, /rm -f -- \/etc\/sysconfig\/network-scripts\/ifcfg-br0/)
  assert.is(r.describe, 'no br0; eth0 198.19.3.2/24; default via 198.19.3.1 dev eth0; 2 file(s) as before the run: /etc/sysconfig/network-scripts/ifcfg-eth0, /etc/sysconfig/network-scripts/ifcfg-br0')
})

test.run()
