/**
 * NetworkManager: the bridge persisted as keyfiles (keyfiles.ts), the running
 * host changed by NetworkManager itself under a checkpoint (runtime.ts,
 * checkpoint.ts). It keeps the uplink where a profile of its own (not
 * netplan's) is active on it or on the bridge.
 */
import type { NetworkSystem } from '../../system.ts'
import { networkManagerFiles } from './keyfiles.ts'
import { activeOn } from './profiles.ts'
import { planRuntime, restore } from './runtime.ts'
import { NM_TEMPLATES } from './templates.ts'

export const networkManager: NetworkSystem<'networkmanager'> = {
  name: 'networkmanager',
  title: 'NetworkManager',
  // A bond's profile holds its mode and options, which the kernel's view does not: rewriting it from facts would lose them.
  uplinks: ['nic', 'vlan'],
  templates: NM_TEMPLATES,
  claims: (facts, uplink, bridge) => {
    if (!facts.system.networkManager) return undefined
    const p = activeOn(facts, uplink.name) ?? activeOn(facts, bridge)
    return p ? `NetworkManager profile '${p.name}' is active on ${p.device}` : undefined
  },
  found: (facts, uplink) => (facts.system.networkManager ? `NetworkManager runs, but no profile of it is active on ${uplink.name}` : undefined),
  persist: networkManagerFiles,
  planRuntime,
  restore,
}
