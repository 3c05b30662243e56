/**
 * The way back on networkd hosts, static and DHCP uplinks: the bridge's
 * .netdev and .network gone, the uplink's .network as it was before the
 * migration (byte for byte), br0 deleted at run time (networkd never deletes
 * a netdev that left its configuration); networkd brings eth0 up from it at boot.
 */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { networkctlStatus } from '../network/networkd-lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

for (const dhcp of [false, true]) {
  wayBackSuite({
    profile: 'networkd',
    dhcp,
    reboots: true,
    sameAsBefore: "cd /etc/systemd/network && for f in *; do case $f in *~) ;; *) echo \"$f\"; stat -c %a \"$f\"; cat \"$f\" ;; esac; done",
    assertUnbridgedSystem: async (h) => {
      const eth0 = await networkctlStatus(h, 'eth0')
      assert.match(eth0, /Network File: \/etc\/systemd\/network\/10-eth0\.network$/m, eth0)
      assert.match(eth0, new RegExp(`^\\s*Address: ${h.address.replace(/\./g, '\\.')}${dhcp ? ' \\(DHCP4' : '$'}`, 'm'), eth0)
      assert.is((await onHost(h, 'ls /etc/systemd/network')).trim(), '10-eth0.network')
    },
  }).run()
}
