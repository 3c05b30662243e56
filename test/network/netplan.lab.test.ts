/** The netplan backend on lab hosts of the netplan profile (netplan generate for NetworkManager at boot). */
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { onHost } from '../helpers/lab.ts'
import { bridgeLabSuite } from './bridge-lab.ts'

bridgeLabSuite({
  profile: 'netplan',
  assertPersisted: async (h) => {
    assert.is((await onHost(h, 'stat -c %a /etc/netplan/90-kvmplay-br0.yaml')).trim(), '600')
    const own = parse(await onHost(h, 'cat /etc/netplan/90-kvmplay-br0.yaml')).network
    assert.is(own.renderer, 'NetworkManager')
    assert.equal(own.bridges.br0.interfaces, ['eth0'])
    assert.equal(own.bridges.br0.addresses, [`${h.address}/${h.prefix}`])
    assert.equal(own.bridges.br0.routes, [{ to: 'default', via: h.gateway }])
    assert.is(own.bridges.br0.macaddress, h.mac)
    const lab = parse(await onHost(h, 'cat /etc/netplan/01-kvmplay-lab.yaml')).network.ethernets.eth0
    assert.is(lab.addresses, undefined, 'the uplink\'s own file gives it no address')
    assert.is(lab.routes, undefined)
    assert.is(lab['set-name'], 'eth0', 'the rest kept')
    assert.match(await onHost(h, 'cat /run/NetworkManager/system-connections/netplan-br0.nmconnection'), `address1=${h.address}/${h.prefix}`)
  },
  assertSystemBridged: async (h) => {
    const active = await onHost(h, 'nmcli -t -f NAME,DEVICE connection show --active')
    assert.match(active, /^netplan-br0:br0$/m)
    assert.match(active, /^netplan-eth0:eth0$/m)
  },
  filesDigest: 'md5sum /etc/netplan/*.yaml; ls /run/NetworkManager/system-connections/',
}).run()
