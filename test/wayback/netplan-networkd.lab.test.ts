/**
 * The way back on netplan hosts rendered for systemd-networkd (Ubuntu
 * Server: the installer's and cloud-init's files), static and DHCP: kvmplay's
 * netplan file gone, the uplink's own as it was, br0 deleted with ip
 * (`netplan apply` would never delete it); netplan and networkd bring eth0
 * up from it at boot.
 */
import * as assert from 'uvu/assert'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { onHost } from '../helpers/lab.ts'
import { networkctlStatus } from '../network/networkd-lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

for (const profile of ['netplan-networkd-installer', 'netplan-networkd-cloud'] as LabProfile[]) {
  for (const dhcp of [false, true]) {
    wayBackSuite({
      profile,
      dhcp,
      reboots: true,
      sameAsBefore: 'cd /etc/netplan && for f in *.yaml; do echo "$f"; cat "$f"; done',
      assertUnbridgedSystem: async (h) => {
        const config = await onHost(h, 'netplan get network')
        assert.not.match(config, /bridges:/)
        if (!dhcp) assert.match(config, `${h.address}/${h.prefix}`)
        const eth0 = await networkctlStatus(h, 'eth0')
        assert.match(eth0, /Network File: \/run\/systemd\/network\/10-netplan-eth0\.network$/m, eth0)
        assert.is((await onHost(h, 'ls /run/systemd/network')).trim(), '10-netplan-eth0.network')
      },
    }).run()
  }
}
