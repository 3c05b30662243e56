/** The ifupdown backend on lab hosts of the ifupdown profile (ifup -a at boot, from /etc/network/interfaces). */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { bridgeLabSuite } from './bridge-lab.ts'

bridgeLabSuite({
  profile: 'ifupdown',
  assertPersisted: async (h) => {
    const file = await onHost(h, 'cat /etc/network/interfaces')
    assert.match(file, /^auto eth0\niface eth0 inet manual\n/m)
    assert.match(file, new RegExp(`^auto br0\\niface br0 inet static\\n\\taddress ${h.address.replace(/\./g, '\\.')}/${h.prefix}\\n\\tgateway ${h.gateway.replace(/\./g, '\\.')}\\n`, 'm'))
    for (const l of ['\tbridge_ports eth0', '\tbridge_stp off', '\tbridge_fd 0', '\tbridge_maxwait 0', `\thwaddress ether ${h.mac}`]) assert.ok(file.split('\n').includes(l), `${l} in:\n${file}`)
    assert.match(file, /^source \/etc\/network\/interfaces\.d\/\*$/m, 'the rest kept')
    assert.match(file, /^iface lo inet loopback$/m)
  },
  assertSystemBridged: async (h) => {
    assert.is((await onHost(h, 'cat /run/network/ifstate.br0')).trim(), 'br0', 'ifupdown knows br0 is up')
    assert.match(await onHost(h, 'ifquery --list'), /^br0$/m)
  },
  filesDigest: 'md5sum /etc/network/interfaces; ls /run/network/ifstate.br0 2>&1 | wc -l; cat /run/network/ifstate.eth0',
}).run()
