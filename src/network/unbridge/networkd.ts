/**
 * The way back on systemd-networkd hosts: the uplink's .network given back
 * the addressing the bridge's .network carried (its [Match] and [Link] as
 * they are, kvmplay's lines taken out), the bridge's .netdev and .network
 * removed — so a file kvmplay bridged comes back as it was.
 *
 * The running host: the bridge deleted with ip — networkd never deletes a
 * netdev whose .netdev left its configuration, `networkctl reload` would
 * leave br0 there, unmanaged, with the port in it — then networkd reads its
 * files again and reconfigures the uplink, which takes its addresses (or its
 * lease, with the same MAC and client ID) back. The rollback puts the files
 * back, the bridge again with its MAC, port and addresses, and networkd takes
 * them over (../backends/networkd.ts).
 */
import { sh } from '../../core/quote.ts'
import { MARK, addressing, layout, networkdRestore, renderUnit, values, withAddressing, withoutLeasedRoutes } from '../backends/networkd.ts'
import type { NetworkFacts, PersistedFile } from '../backend.ts'
import type { BridgeWish } from '../wish.ts'
import type { Unbridger } from './types.ts'
import { refuseWhileOtherPorts, unbridgePlan } from './iproute2.ts'

export function networkdUplinkFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const l = layout(w, facts)
  // What the uplink gets back: the bridge's addressing (kvmplay's lines out), else what its own file has (a later run).
  const source = l.networkUnit && values(l.port.unit, 'Network', 'Bridge').includes(w.bridge) ? l.networkUnit : l.port.unit
  const carried = withAddressing(addressing(source), withoutLeasedRoutes(w, facts), [], '')
  const kept = l.port.unit.sections.filter((s) => s.name === 'Match' || s.name === 'Link' || s.name === 'SR-IOV').map((s) => ({ name: s.name, lines: s.lines.filter((x) => !x.startsWith(MARK)) }))
  const content = renderUnit({ head: l.port.unit.head.filter((x) => !x.startsWith(MARK)), sections: [...kept, ...carried] })
  return [
    { path: l.port.path, content },
    { path: l.netdev },
    { path: l.network },
  ]
}

export const networkdUnbridger: Unbridger = {
  name: 'networkd',
  persist: (w, facts) => networkdUplinkFiles(w, facts),
  planRuntime: (w, { net }) => {
    if (unbridgePlan(w, net).length === 0) return undefined
    const there = net.links.some((l) => l.name === w.bridge)
    if (there) refuseWhileOtherPorts(w, net)
    const apply = [
      'set -e',
      // networkd does not delete a netdev removed from its configuration: the bridge goes with ip (its port with it).
      ...(there ? [sh`ip link del ${w.bridge}`] : []),
      'networkctl reload',
      sh`networkctl reconfigure ${w.device}`,
    ].join('\n')
    return { apply, describe: sh`ip link del ${w.bridge}; networkctl reload; networkctl reconfigure ${w.device}`, links: [w.bridge, w.device] }
  },
  restore: networkdRestore,
}
