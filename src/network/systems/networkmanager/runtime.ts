/**
 * The running host changed by NetworkManager itself, under its checkpoint
 * (checkpoint.ts): the way there brings the bridge's and the port's profiles
 * up; the way back brings the uplink's profile up once the bridge's is gone
 * (reload), and deletes a bridge link NetworkManager left. The rollback is
 * one for both ways: the checkpoint, the files, then ip.
 */
import { sh } from '../../../core/quote.ts'
import type { FileOriginal } from '../../../core/task.ts'
import { describeSnapshot, filesBack, linksBack, rollbackScript, snapshotOf } from '../../../cutover/restore.ts'
import { DEFAULT_CONFIRM_TIMEOUT_SEC } from '../../../cutover/confirmed-apply.ts'
import { isUnbridged, refuseWhileOtherPorts } from '../../iproute2-removal.ts'
import { changedLinks } from '../../system.ts'
import type { NetworkFacts, Restore, RuntimeChange, RuntimeContext } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { confirmCheckpoint, describeCheckpoint, forgetCopies, rollbackCheckpoint, underCheckpoint, upStep } from './checkpoint.ts'
import { activeOn, bridgeProfile, bridgeProfileLeft, portProfile, profilesOf, uplinkProfile } from './profiles.ts'

const activeAs = (facts: NetworkFacts, uuid: string, device: string) => profilesOf(facts).some((p) => p.uuid === uuid && p.active && p.device === device)

/** Whether the running host is bridged as wished: both profiles active where they belong, the addresses and route on the bridge. */
function bridged(w: BridgeWish, facts: NetworkFacts): boolean {
  const { net } = facts
  const br = net.links.find((l) => l.name === w.bridge)
  const nic = net.links.find((l) => l.name === w.uplink.name)
  if (!br || br.kind !== 'bridge' || nic?.master !== w.bridge) return false
  if (!activeAs(facts, bridgeProfile(w, facts).uuid, w.bridge) || !activeAs(facts, portProfile(w, facts).uuid, w.uplink.name)) return false
  const has = (list: { address: string; prefix: number }[], a: { address: string; prefix: number }) => list.some((x) => x.address === a.address && x.prefix === a.prefix)
  if (!w.addresses.every((a) => has(br.addresses, a)) || !w.addresses6.every((a) => has(br.addresses6, a))) return false
  const def = net.routes.find((r) => r.dst === 'default')
  return !w.gateway || (def?.dev === w.bridge && def.gateway === w.gateway)
}

/** Whether the running host is unbridged as wished: the uplink's profile active on it, no bridge profile, the kernel's state as wished. */
function unbridged(w: BridgeWish, facts: NetworkFacts): boolean {
  return activeAs(facts, uplinkProfile(w, facts).uuid, w.uplink.name) && !bridgeProfileLeft(w, facts) && isUnbridged(w, facts.net)
}

function bridgeChange(w: BridgeWish, facts: NetworkFacts, timeout: number): RuntimeChange {
  const br = bridgeProfile(w, facts)
  const port = portProfile(w, facts)
  return {
    state: 'present',
    bridge: w.bridge,
    uplink: w.uplink,
    apply: underCheckpoint(`${w.bridge} over ${w.uplink.name}`, timeout, [upStep(br, timeout), upStep(port, timeout)]),
    describe: `${describeCheckpoint(timeout)}, reload the keyfiles, up '${br.id}' on ${w.bridge} and '${port.id}' on ${w.uplink.name}`,
    confirm: confirmCheckpoint,
    rollback: rollbackCheckpoint,
  }
}

function unbridgeChange(w: BridgeWish, facts: NetworkFacts, timeout: number): RuntimeChange {
  if (facts.net.links.some((l) => l.name === w.bridge)) refuseWhileOtherPorts(w, facts.net)
  const up = uplinkProfile(w, facts)
  return {
    state: 'absent',
    bridge: w.bridge,
    uplink: w.uplink,
    apply: underCheckpoint(`${w.uplink.name} without ${w.bridge}`, timeout, [
      upStep(up, timeout),
      // A bridge NetworkManager does not remove by itself (unmanaged, or not its own) goes with ip.
      sh`! ip link show ${w.bridge} >/dev/null 2>&1 || ip link del ${w.bridge}`,
    ]),
    describe: `${describeCheckpoint(timeout)}, reload the keyfiles (${w.bridge}'s gone), up '${up.id}' on ${w.uplink.name}, ${w.bridge} deleted`,
    confirm: confirmCheckpoint,
    rollback: `${rollbackCheckpoint}\n${forgetCopies(bridgeProfile(w, facts))}`,
  }
}

export function planRuntime(w: BridgeWish, facts: NetworkFacts, ctx?: RuntimeContext): RuntimeChange | undefined {
  const timeout = ctx?.confirmTimeoutSec ?? DEFAULT_CONFIRM_TIMEOUT_SEC
  if (w.state === 'present') return bridged(w, facts) ? undefined : bridgeChange(w, facts, timeout)
  return unbridged(w, facts) ? undefined : unbridgeChange(w, facts, timeout)
}

/**
 * The host's own rollback, in this order: NetworkManager's checkpoint rolled
 * back (the profiles and devices as they were, in NM's memory and files); the
 * files as they were, and NM reads them again; the uplink's original profile
 * brought up, where there was no checkpoint to roll back (NM restarted, say);
 * last, the iproute2 restore of links, addresses and the default route, but
 * only where NetworkManager did not get there within a few seconds: laid over
 * what NM restored, its routes would differ from NM's (metric, proto).
 * Every command may fail without stopping the rest.
 */
export function restore(change: RuntimeChange, facts: NetworkFacts, files: FileOriginal[]): Restore {
  const { bridge } = change
  const device = change.uplink.name
  const snapshot = snapshotOf(facts.net, changedLinks(change))
  const original = activeOn(facts, device)
  const nic = snapshot.links.find((l) => l.name === device)
  const primary = nic?.addresses[0]
  const def = snapshot.defaultRoute
  const bridgeWasThere = snapshot.links.some((l) => l.name === bridge && l.existed)
  const addressed = [
    ...(primary ? [sh`ip -4 -o addr show dev ${device} | grep -qF ${` ${primary.address}/${primary.prefix} `}`] : []),
    ...(def ? [sh`ip route show default | grep -qF ${`dev ${def.dev}`}`] : []),
  ]
  const back = [...(bridgeWasThere ? [] : [sh`! ip link show ${bridge} >/dev/null 2>&1`]), ...addressed].join(' && ')
  const script = rollbackScript('kvmplay rollback (NetworkManager): the checkpoint, then the files, then links and addresses where NM did not restore them', [
    change.rollback ?? rollbackCheckpoint,
    ...filesBack(files),
    'nmcli connection reload',
    ...(original ? [sh`[ "$nm_rolled_back" = yes ] || nmcli -w 20 connection up uuid ${original.uuid}`] : []),
    `restored() { ${back || 'true'}; }`,
    // Wait for what NetworkManager restores: the uplink's address and route.
    `addressed() { ${addressed.join(' && ') || 'true'}; }`,
    'i=0; until addressed || [ $i -ge 50 ]; do sleep 0.2; i=$((i+1)); done',
    // A bridge NetworkManager created but does not manage (unmanaged-devices in
    // its configuration) outlives the checkpoint; it was not there before.
    ...(bridgeWasThere ? [] : [sh`ip link del ${bridge} 2>/dev/null`]),
    'if ! restored; then',
    ...linksBack(snapshot),
    'fi',
  ])
  return { script, describe: `NetworkManager's checkpoint rolled back; ${describeSnapshot(snapshot, files)}` }
}
