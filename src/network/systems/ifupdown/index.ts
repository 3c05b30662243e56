/**
 * Debian's ifupdown: the bridge persisted in the file that holds the uplink's
 * stanza (files.ts, stanzas.ts), applied with ifup (runtime.ts). It keeps the
 * uplink where one of its files defines the uplink or the bridge.
 */
import type { NetworkSystem } from '../../system.ts'
import { ifupdownFiles } from './files.ts'
import { planRuntime, restore } from './runtime.ts'
import { stanzaClaim, stanzasFound } from './stanzas.ts'
import { IFUPDOWN_TEMPLATES } from './templates.ts'

export const ifupdown: NetworkSystem<'ifupdown'> = {
  name: 'ifupdown',
  title: "Debian's ifupdown",
  // A bond's or a VLAN's stanza holds options (bond-slaves, vlan-raw-device) the rewrite to `inet manual` would drop.
  uplinks: ['nic'],
  templates: IFUPDOWN_TEMPLATES,
  claims: ({ system }, uplink, bridge) => stanzaClaim('ifupdown', system.ifupdown, uplink.name, bridge),
  found: ({ system }, uplink) => stanzasFound('ifupdown', system.ifupdown, uplink.name),
  persist: ifupdownFiles,
  planRuntime,
  restore,
}
