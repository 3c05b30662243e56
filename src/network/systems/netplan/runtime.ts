/**
 * The running host under netplan: `netplan generate` (`apply` and `try` need
 * systemd; `try` refuses bridges with parameters), then the renderer takes
 * the new configuration. Under NetworkManager, which the lab runs: its
 * profiles reloaded and the bridge's and the port's (netplan-<id>) brought
 * up; on the way back the uplink's, and the bridge deleted where it is left.
 * Under systemd-networkd (Ubuntu Server's default renderer): networkctl
 * reload, the bridge awaited, its port enslaved; on the way back the bridge deleted
 * with ip first (neither `netplan apply` nor networkd deletes one). The rollback puts the files back,
 * renders them again, brings the old profiles up, else restores the links with ip.
 */
import { sh } from '../../../core/quote.ts'
import type { FileOriginal } from '../../../core/task.ts'
import { describeSnapshot, filesBack, linksBack, rollbackScript, snapshotOf } from '../../../cutover/restore.ts'
import { iproute2Plan } from '../../iproute2.ts'
import { isUnbridged, refuseWhileOtherPorts } from '../../iproute2-removal.ts'
import { changedLinks } from '../../system.ts'
import type { NetworkFacts, Restore, RuntimeChange } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { renderer } from './definitions.ts'
import { bridgeUp, networkdTakesBack, waitForAddressing } from '../networkd/runtime.ts'

function applyCommand(w: BridgeWish, facts: NetworkFacts): string {
  const device = w.uplink.name
  const r = renderer(facts.system, device, w.bridge)
  if (w.state === 'present') {
    return r.kind === 'NetworkManager'
      ? // netplan writes NetworkManager's keyfiles to /run/NetworkManager/system-connections; the port's profile is up
        // on the old definition until it is brought up again, which takes the address off it and into the bridge.
        sh`netplan generate && nmcli connection reload && nmcli connection up ${`netplan-${w.bridge}`} && nmcli connection up ${`netplan-${r.portId}`}`
      : // systemd-networkd (Ubuntu Server's): netplan renders the bridge into /run/systemd/network; reload creates it from its
        // .netdev (with the MAC kvmplay's file gives it) and reconfigures the uplink as its port; then both, once it exists.
        ['set -e', 'netplan generate', ...bridgeUp(w)].join('\n')
  }
  return r.kind === 'NetworkManager'
    ? sh`netplan generate && nmcli connection reload && nmcli connection up ${`netplan-${r.portId}`} && { ! ip link show ${w.bridge} >/dev/null 2>&1 || ip link del ${w.bridge}; }`
    : // systemd-networkd: neither `netplan apply` nor networkd deletes a bridge that left the configuration: ip does,
      // before networkd reads the new rendering and gives the uplink its addresses (or its lease) again.
      // The reload reconfigures the uplink, its rendering changed (no second reconfigure to drop the lease it is taking).
      ['set -e', 'netplan generate', sh`! ip link show ${w.bridge} >/dev/null 2>&1 || ip link del ${w.bridge}`, 'networkctl reload', waitForAddressing(w, device)].join('\n')
}

export function planRuntime(w: BridgeWish, facts: NetworkFacts): RuntimeChange | undefined {
  const { net } = facts
  // As wished when iproute2 would have nothing to do: the port in the bridge (or alone), every address and route where it belongs.
  if (w.state === 'present' ? iproute2Plan(w, net).length === 0 : isUnbridged(w, net)) return undefined
  if (w.state === 'absent' && net.links.some((l) => l.name === w.bridge)) refuseWhileOtherPorts(w, net)
  const apply = applyCommand(w, facts)
  const nd = renderer(facts.system, w.uplink.name, w.bridge).kind === 'networkd'
  const describe = !nd ? apply : w.state === 'present' ? 'netplan generate; networkctl reload' : sh`netplan generate; ip link del ${w.bridge}; networkctl reload`
  return { state: w.state, bridge: w.bridge, uplink: w.uplink, apply, describe }
}

/** The files first, so netplan renders the old configuration again; then the old profiles up, else ip. */
export function restore(change: RuntimeChange, { net, system }: NetworkFacts, files: FileOriginal[]): Restore {
  const { bridge } = change
  const snapshot = snapshotOf(net, changedLinks(change))
  const r = renderer(system, change.uplink.name, bridge)
  // NetworkManager puts the old profiles back on the devices (their routes as before, same metric); ip only if it cannot.
  const profilesUp =
    change.state === 'present'
      ? sh`if nmcli connection up ${`netplan-${r.portId}`}; then ip link del ${bridge} 2>/dev/null || true; else`
      : sh`if nmcli connection up ${`netplan-${bridge}`} && nmcli connection up ${`netplan-${r.portId}`}; then :; else`
  const lines =
    r.kind === 'NetworkManager'
      ? [...filesBack(files), 'netplan generate', 'nmcli connection reload', profilesUp, ...linksBack(snapshot), 'fi']
      : // networkd: the links with ip (a bridge is deleted or made again: networkd does neither), then networkd takes them back.
        [...filesBack(files), 'netplan generate', ...linksBack(snapshot), ...networkdTakesBack(snapshot)]
  return {
    script: rollbackScript('kvmplay rollback: puts back what the cutover changed', lines),
    describe: `${describeSnapshot(snapshot, files)}; netplan generate${r.kind === 'NetworkManager' ? ', nmcli connection reload and up' : ''}`,
  }
}
