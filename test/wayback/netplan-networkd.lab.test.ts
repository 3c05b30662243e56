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
      // netplan's own reading of its files: the same configuration as before the migration. (The installer's and
      // cloud-init's files come back with the same content, not byte for byte: keys re-added go last, an emptied
      // mapping comes back in flow style.)
      sameAsBefore: 'ls /etc/netplan; netplan get network',
      assertUnbridgedSystem: async (h) => {
        const config = await onHost(h, 'netplan get network')
        assert.not.match(config, /bridges:/)
        if (!dhcp) assert.match(config, `${h.address}/${h.prefix}`)
        const eth0 = await networkctlStatus(h, 'eth0')
        assert.match(eth0, /Network File: \/run\/systemd\/network\/10-netplan-eth0\.network$/m, eth0)
        // netplan's rendering has no br0 left (cloud-init's set-name adds a .link for eth0).
        assert.not.match(await onHost(h, 'ls /run/systemd/network'), /br0/)
      },
    }).run()
  }
}
