/**
 * The way back on NetworkManager hosts: the bridge's keyfile removed, the
 * port's profile — the uplink's own, rewritten in place by the migration —
 * rewritten again as the uplink's plain profile (same file, same uuid, named
 * after the device) carrying the addresses, gateways and name servers the
 * bridge had. The running host changes by NetworkManager itself, under a
 * checkpoint of every device as on the way there: reload (the bridge's
 * profile goes, br0 with it), the uplink's profile up, the bridge link
 * deleted where NetworkManager left it. The rollback is the backend's own
 * (../backends/networkmanager.ts): the checkpoint, the files, then ip.
 */
import { sh } from '../../core/quote.ts'
import { DEFAULT_CONFIRM_TIMEOUT_SEC } from '../../cutover/confirmed-apply.ts'
import { renderTemplate } from '../../render.ts'
import {
  CHECKPOINT_FILE,
  CHECKPOINT_FLAGS,
  NM_ROLLBACK_MARGIN_SEC,
  SYSTEM_CONNECTIONS,
  activeOn,
  addressList,
  bridgeProfile,
  busctl,
  confirmCheckpoint,
  dnsList,
  ipv6Method,
  isNetplans,
  keyfileRoutes,
  nameUuid,
  portId,
  profilesOf,
  restore,
  rollbackCheckpoint,
} from '../backends/networkmanager.ts'
import type { NetworkFacts, PersistedFile } from '../backend.ts'
import type { BridgeWish } from '../wish.ts'
import type { Unbridger } from './types.ts'
import { refuseWhileOtherPorts, unbridgePlan } from './iproute2.ts'

/**
 * The uplink's profile: the one active on the device (the bridge's port, or
 * after the way back the uplink's own), else the port or the uplink by its
 * name; its file where that is a keyfile, else one named after the device.
 */
function uplinkProfile(w: BridgeWish, facts: NetworkFacts) {
  const have = activeOn(facts, w.device) ?? profilesOf(facts).find((p) => (p.name === portId(w) || p.name === w.device) && !isNetplans(p))
  const path = have?.filename?.startsWith(`${SYSTEM_CONNECTIONS}/`) ? have.filename : `${SYSTEM_CONNECTIONS}/${w.device}.nmconnection`
  return { id: w.device, uuid: have?.uuid ?? nameUuid(`kvmplay/port/${w.bridge}/${w.device}`), path }
}

/** A profile of the bridge NetworkManager still has (not netplan's). */
const bridgeProfileLeft = (w: BridgeWish, facts: NetworkFacts) =>
  profilesOf(facts).find((p) => p.type === 'bridge' && !isNetplans(p) && (p.device === w.bridge || p.name === w.bridge))

export function networkManagerUplinkFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const up = uplinkProfile(w, facts)
  const nic = facts.net.links.find((l) => l.name === w.device)
  const isStatic = w.bootproto === 'static'
  const v6 = ipv6Method(w, facts)
  const content = renderTemplate('networkmanager/uplink.nmconnection.hbs', {
    id: up.id,
    uuid: up.uuid,
    bridge: w.bridge,
    device: w.device,
    type: nic?.vlan ? 'vlan' : 'ethernet',
    vlan: nic?.vlan ?? false,
    hwaddr: w.hwaddr,
    mtu: w.mtu ?? false,
    ipv4Method: isStatic ? 'manual' : 'auto',
    addresses: isStatic ? addressList(w.addresses, w.gateway) : [],
    dns4: isStatic ? dnsList(w.dns.filter((d) => !d.includes(':'))) : '',
    routes: keyfileRoutes(w),
    ipv6Method: v6,
    addresses6: v6 === 'manual' ? addressList(w.addresses6, w.gateway6) : [],
    dns6: v6 === 'manual' ? dnsList(w.dns.filter((d) => d.includes(':'))) : '',
  })
  const br = bridgeProfile(w, facts)
  return [{ path: br.path }, { path: up.path, content, mode: '0600' }]
}

function converged(w: BridgeWish, facts: NetworkFacts): boolean {
  const up = uplinkProfile(w, facts)
  const active = profilesOf(facts).some((p) => p.uuid === up.uuid && p.active && p.device === w.device)
  return active && !bridgeProfileLeft(w, facts) && unbridgePlan(w, facts.net).length === 0
}

/** Sourced by the cutover's detached shell, where "$0" is the cutover's directory. */
function applyScript(w: BridgeWish, facts: NetworkFacts, confirmTimeoutSec: number): string {
  const up = uplinkProfile(w, facts)
  const timeout = confirmTimeoutSec + NM_ROLLBACK_MARGIN_SEC
  const wait = Math.max(5, Math.min(30, confirmTimeoutSec - 5))
  return [
    `# kvmplay: ${w.device} without ${w.bridge} by NetworkManager, under a checkpoint of every device that NM rolls back by itself after ${timeout} s`,
    `out=$(${busctl('CheckpointCreate', 'aouu', '0', String(timeout), String(CHECKPOINT_FLAGS))}) || { echo "could not create a NetworkManager checkpoint: $out" >&2; exit 1; }`,
    `cp=\${out#o \\"}; cp=\${cp%\\"}`,
    `printf '%s\\n' "$cp" > "$0/${CHECKPOINT_FILE}"`,
    // The keyfiles are on disk already: the bridge's is gone (NetworkManager drops its profile and takes br0 down), the uplink's is plain again.
    'nmcli connection reload || exit 1',
    sh`nmcli -w ${wait} connection up uuid ${up.uuid} || exit 1`,
    // A bridge NetworkManager does not remove by itself (unmanaged, or not its own) goes with ip.
    sh`! ip link show ${w.bridge} >/dev/null 2>&1 || ip link del ${w.bridge}`,
  ].join('\n')
}

/**
 * Rolling the checkpoint back adds the deleted bridge profile again, and
 * NetworkManager writes it to a keyfile of its own naming (br0-<uuid>); the
 * rollback puts the original file back too, so the copy goes: one profile,
 * one file, as before the change.
 */
function forgetCopies(profile: { uuid: string; path: string }): string {
  return [
    sh`for f in ${SYSTEM_CONNECTIONS}/*; do`,
    sh`  case "$f" in ${profile.path}|*~) continue ;; esac`,
    sh`  ! grep -qx ${`uuid=${profile.uuid}`} "$f" 2>/dev/null || rm -f -- "$f"`,
    'done',
  ].join('\n')
}

export const networkManagerUnbridger: Unbridger = {
  name: 'networkmanager',
  persist: (w, facts) => networkManagerUplinkFiles(w, facts),
  planRuntime: (w, facts, ctx) => {
    if (converged(w, facts)) return undefined
    if (facts.net.links.some((l) => l.name === w.bridge)) refuseWhileOtherPorts(w, facts.net)
    const timeout = ctx?.confirmTimeoutSec ?? DEFAULT_CONFIRM_TIMEOUT_SEC
    const up = uplinkProfile(w, facts)
    return {
      apply: applyScript(w, facts, timeout),
      describe: `NetworkManager: checkpoint of every device (NM rolls back by itself after ${timeout + NM_ROLLBACK_MARGIN_SEC} s), reload the keyfiles (${w.bridge}'s gone), up '${up.id}' on ${w.device}, ${w.bridge} deleted`,
      links: [w.bridge, w.device],
      confirm: confirmCheckpoint,
      rollback: `${rollbackCheckpoint}\n${forgetCopies(bridgeProfile(w, facts))}`,
    }
  },
  restore,
}
