/** The way back on NetworkManager hosts: br0's keyfile gone, eth0's profile (same file, same uuid) carrying the address, active; NetworkManager brings it up at boot. */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

const KEYFILES = '/etc/NetworkManager/system-connections'

wayBackSuite({
  profile: 'networkmanager',
  reboots: true,
  assertUnbridgedSystem: async (h) => {
    // NetworkManager's own view of its profiles, not the files' text.
    const active = await onHost(h, 'nmcli -t -f NAME,DEVICE,TYPE,FILENAME connection show --active')
    assert.match(active, new RegExp(`^eth0:eth0:802-3-ethernet:${KEYFILES}/eth0\\.nmconnection$`, 'm'), active)
    assert.not.match(await onHost(h, 'nmcli -t -f TYPE connection show'), /^bridge$/m, 'no bridge profile left')
    assert.is((await onHost(h, 'nmcli -g ipv4.addresses connection show eth0')).trim(), `${h.address}/${h.prefix}`)
    assert.is((await onHost(h, 'nmcli -g ipv4.gateway connection show eth0')).trim(), h.gateway)
    assert.is((await onHost(h, `ls ${KEYFILES}/br0.nmconnection 2>/dev/null | wc -l`)).trim(), '0', 'br0.nmconnection gone')
    assert.is((await onHost(h, `stat -c '%a %U' ${KEYFILES}/eth0.nmconnection`)).trim(), '600 root')
  },
}).run()
