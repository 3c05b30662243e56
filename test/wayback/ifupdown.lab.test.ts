/** The way back on ifupdown hosts: /etc/network/interfaces as it was before the migration, and `ifup -a` at boot brings eth0 up without br0. */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

wayBackSuite({
  profile: 'ifupdown',
  reboots: true,
  sameAsBefore: 'cat /etc/network/interfaces',
  assertUnbridgedSystem: async (h) => {
    // ifupdown's own reader of the file: eth0 static with the address, no br0 anywhere.
    assert.equal((await onHost(h, 'ifquery --list')).trim().split('\n').sort(), ['eth0', 'lo'])
    const eth0 = await onHost(h, 'ifquery eth0')
    // ifquery splits address/prefix into address and netmask.
    assert.match(eth0, new RegExp(`^address: ${h.address.replace(/\./g, '\\.')}$`, 'm'), eth0)
    assert.match(eth0, /^netmask: 255\.255\.255\.0$/m, eth0)
    assert.match(eth0, `gateway: ${h.gateway}`)
    assert.is((await onHost(h, 'ifquery br0 >/dev/null 2>&1; echo $?')).trim(), '1', 'ifquery knows no br0')
    // ifupdown's state: eth0 brought up by it, br0 forgotten.
    assert.is((await onHost(h, 'cat /run/network/ifstate.eth0')).trim(), 'eth0')
    assert.is((await onHost(h, 'ls /run/network/ifstate.br0 2>/dev/null | wc -l')).trim(), '0')
  },
}).run()
