/** The way back on netplan hosts: kvmplay's netplan file gone, the uplink's own file as it was before the migration; netplan renders it at boot. */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

wayBackSuite({
  profile: 'netplan',
  reboots: true,
  sameAsBefore: 'cd /etc/netplan && for f in *.yaml; do echo "$f"; cat "$f"; done',
  assertUnbridgedSystem: async (h) => {
    // netplan's own reading of its files, then NetworkManager's of what netplan rendered.
    const config = await onHost(h, 'netplan get network')
    assert.not.match(config, /bridges:/)
    assert.match(config, `${h.address}/${h.prefix}`)
    const active = await onHost(h, 'nmcli -t -f NAME,DEVICE,TYPE connection show --active')
    assert.match(active, /^netplan-eth0:eth0:802-3-ethernet$/m, active)
    assert.not.match(active, /:bridge$/m, active)
  },
}).run()
