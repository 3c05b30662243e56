/**
 * The way back on network-scripts hosts (CentOS 7's own network scripts bring
 * the network up at boot from ifcfg files): ifcfg-br0 gone, ifcfg-eth0 the
 * uplink's own again — read by the scripts themselves (`ifup` at the power
 * cycle), which bring eth0 up without br0.
 */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

wayBackSuite({
  profile: 'network-scripts',
  reboots: true,
  assertUnbridgedSystem: async (h) => {
    assert.is((await onHost(h, 'ls /etc/sysconfig/network-scripts/ifcfg-br0 2>/dev/null | wc -l')).trim(), '0', 'ifcfg-br0 gone')
    // The file as the scripts read it: sourced by bash (network-functions' source_config).
    const read = await onHost(h, '. /etc/sysconfig/network-scripts/ifcfg-eth0; echo "$DEVICE $TYPE $IPADDR/$PREFIX $GATEWAY ${BRIDGE:-no-bridge}"')
    assert.is(read.trim(), `eth0 Ethernet ${h.address}/${h.prefix} ${h.gateway} no-bridge`)
    // The last boot's network service brought eth0 up, and no br0.
    const log = await onHost(h, 'cat /var/log/network.log')
    assert.match(log, /^Bringing up interface eth0:.*OK/m, log)
    assert.not.match(log, /br0/, log)
  },
}).run()
