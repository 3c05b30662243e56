/**
 * The seed's ifcfg files (files.ts), the running host changed by the tool
 * that runs there (runtime.ts). It keeps the uplink where the network scripts
 * run, and is the fallback: hosts with no network system at all get the
 * seed's files too, and iproute2 changes them.
 */
import type { NetworkSystem } from '../../system.ts'
import { ifcfgFiles } from './files.ts'
import { planRuntime, restore } from './runtime.ts'
import { IFCFG_TEMPLATES } from './templates.ts'

export const ifcfg: NetworkSystem<'ifcfg'> = {
  name: 'ifcfg',
  title: "the seed's ifcfg files",
  fallback: true,
  // ifcfg-<port> says TYPE=Ethernet: a bond's (BONDING_OPTS) or a VLAN's (VLAN=yes, PHYSDEV) file would lose what makes it one.
  uplinks: ['nic'],
  templates: IFCFG_TEMPLATES,
  claims: ({ system }) => (system.networkScripts ? 'the network scripts run here' : undefined),
  persist: ifcfgFiles,
  planRuntime,
  restore,
}
