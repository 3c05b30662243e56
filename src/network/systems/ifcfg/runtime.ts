/**
 * The running host of an ifcfg host, changed with the tool that runs there:
 * iproute2 (one `ip -batch`, the lab's case, and every host no system
 * claims), NetworkManager (nmcli) or the network scripts (ifdown/ifup). The
 * rollback is the generic one, both ways: the links, addresses and routes
 * back with iproute2, and the files as they were.
 */
import { sh } from '../../../core/quote.ts'
import type { FileOriginal } from '../../../core/task.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../../cutover/restore.ts'
import { ipBatch, iproute2Plan } from '../../iproute2.ts'
import { unbridgePlan } from '../../iproute2-removal.ts'
import { changedLinks } from '../../system.ts'
import type { NetworkFacts, Restore, RuntimeChange } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'

/** The tool's commands, where it is not iproute2. */
function toolCommand(w: BridgeWish, tool: 'networkmanager' | 'network-scripts'): string {
  const device = w.uplink.name
  if (w.state === 'present') {
    return tool === 'networkmanager' ? sh`nmcli connection reload && nmcli connection up ${w.bridge} && nmcli connection up ${device}` : sh`ifdown ${device}; ifup ${w.bridge} && ifup ${device}`
  }
  return tool === 'networkmanager'
    ? sh`nmcli connection reload && nmcli connection up ${device} && { ip link del ${w.bridge} 2>/dev/null || true; }`
    : // ifcfg-<bridge> is gone by now, so ifdown cannot read it: the bridge goes with ip.
      sh`ip link del ${w.bridge} 2>/dev/null; ifup ${device}`
}

export function planRuntime(w: BridgeWish, { net }: NetworkFacts): RuntimeChange | undefined {
  const cmds = w.state === 'present' ? iproute2Plan(w, net) : unbridgePlan(w, net)
  if (cmds.length === 0) return undefined
  const change = { state: w.state, bridge: w.bridge, uplink: w.uplink }
  if (net.linkTool === 'iproute2') return { ...change, apply: ipBatch(cmds), describe: cmds.join('; ') }
  const apply = toolCommand(w, net.linkTool)
  return { ...change, apply, describe: apply }
}

export function restore(change: RuntimeChange, { net }: NetworkFacts, files: FileOriginal[]): Restore {
  const snapshot = snapshotOf(net, changedLinks(change))
  return { script: restoreScript(snapshot, files), describe: describeSnapshot(snapshot, files) }
}
