/** The way back on lab hosts of profile none (ifcfg files, iproute2 changes the running host): the fastest round. */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

wayBackSuite({
  profile: 'none',
  reboots: false,
  keepBridge: true,
  assertUnbridgedSystem: async (h) => {
    assert.is((await onHost(h, 'ls /etc/sysconfig/network-scripts/ifcfg-br0 2>/dev/null | wc -l')).trim(), '0', 'ifcfg-br0 gone')
    const eth0 = await onHost(h, 'cat /etc/sysconfig/network-scripts/ifcfg-eth0')
    for (const l of ['DEVICE=eth0', 'TYPE=Ethernet', `IPADDR=${h.address}`, `PREFIX=${h.prefix}`, `GATEWAY=${h.gateway}`, `HWADDR=${h.mac}`]) assert.ok(eth0.split('\n').includes(l), `${l} in\n${eth0}`)
    assert.not.match(eth0, /^BRIDGE=/m)
  },
}).run()
