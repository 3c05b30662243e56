/** The way back on ifupdown2 hosts: /etc/network/interfaces as it was before the migration, and ifupdown2's boot brings eth0 up without br0. */
import * as assert from 'uvu/assert'
import { onHost } from '../helpers/lab.ts'
import { wayBackSuite } from './wayback-lab.ts'

wayBackSuite({
  profile: 'ifupdown2',
  reboots: true,
  sameAsBefore: 'cat /etc/network/interfaces',
  assertUnbridgedSystem: async (h) => {
    // ifupdown2's reading of the file: lo and eth0 with the address and gateway, no br0.
    const stanzas = JSON.parse(await onHost(h, 'ifquery -a -o json')) as { name: string; addr_method: string; config: Record<string, unknown> }[]
    assert.equal(stanzas.map((s) => s.name), ['lo', 'eth0'])
    assert.equal([stanzas[1].addr_method, stanzas[1].config.address, stanzas[1].config.gateway], ['static', `${h.address}/${h.prefix}`, h.gateway])
    // The running host as the file says, by ifupdown2's own check.
    const check = await onHost(h, 'ifquery --check -a')
    assert.match(check, new RegExp(`^\\s*address ${h.address.replace(/\./g, '\\.')}/${h.prefix}\\s+\\[pass\\]$`, 'm'), check)
    assert.not.match(check, /\[fail\]/, check)
    assert.is((await onHost(h, 'ip -br link show br0 2>/dev/null | wc -l')).trim(), '0', 'no br0 left by ifupdown2')
  },
}).run()
