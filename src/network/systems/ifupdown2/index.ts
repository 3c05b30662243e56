/**
 * ifupdown2 (Proxmox VE's, Cumulus Linux's; as Debian packages it, it
 * conflicts with ifupdown): the bridge persisted in the file that holds the
 * uplink's stanza, in ifupdown2's syntax as Proxmox writes it (files.ts, with
 * ifupdown's interfaces(5) editor), applied with `ifreload -a` (runtime.ts).
 * It keeps the uplink where ifupdown2 is installed and one of its files
 * defines the uplink or the bridge (the network-system fact reads ifupdown2's
 * files apart from ifupdown's: only one of the two is installed).
 */
import type { NetworkSystem } from '../../system.ts'
import { stanzaClaim, stanzasFound } from '../ifupdown/stanzas.ts'
import { ifupdown2Files } from './files.ts'
import { planRuntime, restore } from './runtime.ts'
import { IFUPDOWN2_TEMPLATES } from './templates.ts'

export const ifupdown2: NetworkSystem<'ifupdown2'> = {
  name: 'ifupdown2',
  title: 'ifupdown2',
  // A bond's stanza holds options (bond-slaves, bond-mode) the rewrite to `inet manual` would drop, and ifupdown2
  // gives a bond with no hwaddress a new random MAC at each ifreload (CumulusNetworks/ifupdown2#269).
  uplinks: ['nic'],
  templates: IFUPDOWN2_TEMPLATES,
  claims: ({ system }, uplink, bridge) => stanzaClaim('ifupdown2', system.ifupdown2, uplink.name, bridge),
  found: ({ system }, uplink) => stanzasFound('ifupdown2', system.ifupdown2, uplink.name),
  persist: ifupdown2Files,
  planRuntime,
  restore,
}
