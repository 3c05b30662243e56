/**
 * The way back on ifcfg hosts (the seed's, and hosts no system claims):
 * ifcfg-<bridge> and route-<bridge> removed, ifcfg-<device> the uplink's own
 * again with its addresses, route-<device> with the static routes; the running host changed with the tool that runs there —
 * iproute2 (one `ip -batch`, the lab's case), NetworkManager or the network
 * scripts. The rollback is the generic one: the bridge created again, its
 * port and addresses back, the files as they were.
 */
import { sh } from '../../core/quote.ts'
import { NETWORK_SCRIPTS } from '../../facts/ifcfg.ts'
import { renderTemplate } from '../../render.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import { ifcfgVars, routeFile } from '../backends/ifcfg.ts'
import { ipBatch } from '../iproute2.ts'
import type { Unbridger } from './types.ts'
import { unbridgePlan } from './iproute2.ts'

export const ifcfgUnbridger: Unbridger = {
  name: 'ifcfg',
  persist: (w) => [
    { path: `${NETWORK_SCRIPTS}/ifcfg-${w.bridge}` },
    { path: `${NETWORK_SCRIPTS}/route-${w.bridge}` },
    { path: `${NETWORK_SCRIPTS}/ifcfg-${w.device}`, content: renderTemplate('ifcfg/uplink.hbs', ifcfgVars(w)) },
    // The bridge's static routes go back with the addresses: ifup <device> adds them again.
    ...routeFile(w, w.device),
  ],
  planRuntime: (w, { net }) => {
    const cmds = unbridgePlan(w, net)
    if (cmds.length === 0) return undefined
    const apply =
      net.backend === 'iproute2'
        ? ipBatch(cmds)
        : net.backend === 'networkmanager'
          ? sh`nmcli connection reload && nmcli connection up ${w.device} && { ip link del ${w.bridge} 2>/dev/null || true; }`
          : // ifcfg-<bridge> is gone by now, so ifdown cannot read it: the bridge goes with ip.
            sh`ip link del ${w.bridge} 2>/dev/null; ifup ${w.device}`
    return { apply, describe: net.backend === 'iproute2' ? cmds.join('; ') : apply, links: [w.bridge, w.device] }
  },
  restore: (change, { net }, files) => {
    const snapshot = snapshotOf(net, change.links)
    return { script: restoreScript(snapshot, files), describe: describeSnapshot(snapshot, files) }
  },
}
