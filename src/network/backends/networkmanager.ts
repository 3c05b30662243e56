/**
 * NetworkManager's backend: the bridge persisted as NetworkManager keyfiles
 * (a bridge profile carrying the host's addresses, and the uplink's own
 * profile rewritten in place as its port, so nothing else competes for the
 * device), and the running host changed by NetworkManager itself under a
 * checkpoint: NetworkManager rolls back by itself if nobody destroys it in
 * time, which survives kvmplay dying (not an NM restart: the timer lives in
 * NM's memory, so the host's own timer stays the first line).
 *
 * Profiles netplan generated (/run/NetworkManager/system-connections/netplan-*)
 * are netplan's, and an uplink kept by them is left to the netplan backend.
 */
import { createHash } from 'node:crypto'
import { KvmplayError } from '../../core/errors.ts'
import { sh } from '../../core/quote.ts'
import type { FileOriginal } from '../../core/task.ts'
import { NETWORK_SCRIPTS } from '../../facts/ifcfg.ts'
import type { NmProfile } from '../../facts/network-system.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import { DEFAULT_CONFIRM_TIMEOUT_SEC } from '../../cutover/confirmed-apply.ts'
import { renderTemplate } from '../../render.ts'
import type { NetworkBackend, NetworkFacts, PersistedFile, RuntimeChange } from '../backend.ts'
import type { BridgeWish } from '../wish.ts'

/** Where NetworkManager's keyfile plugin keeps the profiles it persists. */
export const SYSTEM_CONNECTIONS = '/etc/NetworkManager/system-connections'
const NETPLAN_PROFILES = '/run/NetworkManager/system-connections/netplan-'

/**
 * CheckpointCreate's flags (NMCheckpointCreateFlags, NetworkManager ≥ 1.6):
 * DESTROY_ALL (1), since a checkpoint of all devices overlaps any other and NM
 * refuses to create it while one exists (a stale one of an earlier run, say);
 * DELETE_NEW_CONNECTIONS (2), so the rollback removes the bridge's profile;
 * DISCONNECT_NEW_DEVICES (4), so it takes the new br0 down.
 */
export const CHECKPOINT_FLAGS = 1 | 2 | 4

/**
 * NetworkManager's own rollback comes this much later than the host's timer
 * (both count the confirm timeout): the host's restore rolls the checkpoint
 * back itself, then puts the files back, in that order; NM's timer is the net
 * under it (a host timer that was lost). Whichever comes second finds the
 * checkpoint gone, and its rollback fails harmlessly.
 */
export const NM_ROLLBACK_MARGIN_SEC = 10

/** The file, next to the cutover's scripts, where the apply keeps the checkpoint's D-Bus path. */
export const CHECKPOINT_FILE = 'nm-checkpoint'

const NM = 'org.freedesktop.NetworkManager'
export const busctl = (method: string, signature: string, ...args: string[]) => `busctl call ${NM} /org/freedesktop/NetworkManager ${NM} ${method} ${signature} ${args.join(' ')}`

/** The static routes as keyfile values (route1=…): NetworkManager wants a prefix on each destination. */
export const keyfileRoutes = (w: BridgeWish): string[] => w.routes.map((r) => `${r.dst.includes('/') ? r.dst : `${r.dst}/32`}${r.gateway ? `,${r.gateway}` : ''}`)

export const isNetplans = (p: NmProfile) => p.filename?.startsWith(NETPLAN_PROFILES) ?? false
const isKeyfile = (p: NmProfile) => p.filename?.startsWith(`${SYSTEM_CONNECTIONS}/`) ?? false
const isIfcfg = (p: NmProfile) => p.filename?.startsWith(`${NETWORK_SCRIPTS}/`) ?? false
export const profilesOf = (facts: NetworkFacts) => facts.system.networkManager?.profiles ?? []
export const activeOn = (facts: NetworkFacts, device: string) => profilesOf(facts).find((p) => p.active && p.device === device && !isNetplans(p))

/** A UUID from a name (RFC 4122 layout, version 5 of SHA-1): the same bridge on the same NIC gets the same profile, run after run. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex')
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

interface Profile {
  id: string
  uuid: string
  path: string
}

/**
 * The bridge's profile: the one NetworkManager already has for it (its uuid;
 * its file, where that is a keyfile), else a new keyfile named after it.
 */
export function bridgeProfile(w: BridgeWish, facts: NetworkFacts): Profile {
  const have = profilesOf(facts).find((p) => p.type === 'bridge' && !isNetplans(p) && (p.device === w.bridge || p.name === w.bridge))
  return { id: w.bridge, uuid: have?.uuid ?? nameUuid(`kvmplay/bridge/${w.bridge}/${w.hwaddr}`), path: have && isKeyfile(have) ? have.filename! : `${SYSTEM_CONNECTIONS}/${w.bridge}.nmconnection` }
}

export const portId = (w: BridgeWish) => `${w.bridge}-port-${w.device}`

/**
 * The port's profile is the uplink's own, rewritten: the same uuid and, where
 * it is a keyfile, the same file, so no second profile competes for the
 * device. Before the change that is the profile active on the device; after,
 * the port (active there, or known by its id). A profile stored elsewhere (an
 * ifcfg file, a profile in /run) is replaced by a keyfile named after the
 * device, which is where the same lookup finds it after the change.
 */
function portProfile(w: BridgeWish, facts: NetworkFacts): Profile & { replaces?: string } {
  const have = activeOn(facts, w.device) ?? profilesOf(facts).find((p) => p.name === portId(w) && !isNetplans(p))
  const path = have && isKeyfile(have) ? have.filename! : `${SYSTEM_CONNECTIONS}/${w.device}.nmconnection`
  const replaces = have?.filename && have.filename !== path ? have.filename : undefined
  return { id: portId(w), uuid: have?.uuid ?? nameUuid(`kvmplay/port/${w.bridge}/${w.device}`), path, replaces }
}

/** 2001:db8::2/64 → addresses joined as keyfiles list them; the gateway rides on the first. */
export const addressList = (as: { address: string; prefix: number }[], gateway?: string) => as.map((a, i) => `${a.address}/${a.prefix}${i === 0 && gateway ? `,${gateway}` : ''}`)
export const dnsList = (servers: string[]) => (servers.length ? servers.map((s) => `${s};`).join('') : '')

/**
 * IPv6 as the uplink had it, from the kernel's view: its configured global
 * addresses (manual); leases or autoconfigured ones (auto); none at all:
 * disabled, so a new bridge does not start soliciting routers the uplink never
 * asked for (kvmplay cannot tell NetworkManager's 'ignore' from 'disabled' in
 * the kernel's state; both leave such a host without global IPv6).
 */
export function ipv6Method(w: BridgeWish, facts: NetworkFacts): 'manual' | 'auto' | 'disabled' {
  if (w.addresses6.length) return 'manual'
  const holder = facts.net.links.find((l) => l.name === w.bridge && l.addresses6.length) ?? facts.net.links.find((l) => l.name === w.device)
  return holder?.addresses6.some((a) => a.dynamic) ? 'auto' : 'disabled'
}

/** The keyfiles, rendered from templates/networkmanager/, and the files they replace (to be absent). */
export function networkManagerFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const nic = facts.net.links.find((l) => l.name === w.device)
  if (nic?.kind === 'bond') {
    // A bond's profile holds its mode and options, which the kernel's view does not: rewriting it from facts would lose them.
    throw new KvmplayError('precondition', `the uplink ${w.device} is a bond kept by NetworkManager; kvmplay cannot yet rewrite a bond's profile as a bridge port (its options are not in the facts); nothing was changed`)
  }
  // NetworkManager takes a forwarding delay of 2 to 30 s; without STP the kernel forwards at once whatever it is, so it is left out.
  if (w.stp && w.delay < 2) throw new KvmplayError('precondition', `NetworkManager takes a bridge forwarding delay of 2 to 30 s with STP on, not ${w.delay}: give delay, or stp: false; nothing was changed`)
  const br = bridgeProfile(w, facts)
  const port = portProfile(w, facts)
  const isStatic = w.bootproto === 'static'
  const v6 = ipv6Method(w, facts)
  const bridge = renderTemplate('networkmanager/bridge.nmconnection.hbs', {
    id: br.id,
    uuid: br.uuid,
    bridge: w.bridge,
    device: w.device,
    hwaddr: w.hwaddr,
    mtu: w.mtu ?? false,
    stp: w.stp ? 'true' : 'false',
    forwardDelay: w.stp ? w.delay : false,
    ipv4Method: isStatic ? 'manual' : 'auto',
    addresses: isStatic ? addressList(w.addresses, w.gateway) : [],
    // A lease brings its own name servers.
    dns4: isStatic ? dnsList(w.dns.filter((d) => !d.includes(':'))) : '',
    // The keyfile's routeN=DEST/PREFIX[,GATEWAY].
    routes: keyfileRoutes(w),
    ipv6Method: v6,
    addresses6: v6 === 'manual' ? addressList(w.addresses6, w.gateway6) : [],
    dns6: v6 === 'manual' ? dnsList(w.dns.filter((d) => d.includes(':'))) : '',
  })
  const portFile = renderTemplate('networkmanager/port.nmconnection.hbs', {
    id: port.id,
    uuid: port.uuid,
    bridge: w.bridge,
    device: w.device,
    type: nic?.vlan ? 'vlan' : 'ethernet',
    vlan: nic?.vlan ?? false,
    mtu: w.mtu ?? false,
  })
  const files: PersistedFile[] = [
    { path: br.path, content: bridge, mode: '0600' },
    { path: port.path, content: portFile, mode: '0600' },
  ]
  // NetworkManager reads ifcfg files where its ifcfg-rh plugin is loaded (RHEL 8, 9): there the
  // bridge's and the uplink's go, replaced by the keyfiles, as RHEL 9 writes new profiles.
  const readsIfcfg = profilesOf(facts).some(isIfcfg)
  const gone = [...(readsIfcfg ? [`${NETWORK_SCRIPTS}/ifcfg-${w.device}`, `${NETWORK_SCRIPTS}/ifcfg-${w.bridge}`] : []), ...(port.replaces && !isNetplans({ filename: port.replaces } as NmProfile) ? [port.replaces] : [])]
  for (const path of new Set(gone)) if (!files.some((f) => f.path === path)) files.push({ path })
  return files
}

/** Whether the running host is as wished: both profiles active where they belong, the addresses and route on the bridge. */
function converged(w: BridgeWish, facts: NetworkFacts): boolean {
  const { net } = facts
  const br = net.links.find((l) => l.name === w.bridge)
  const nic = net.links.find((l) => l.name === w.device)
  const active = (uuid: string, device: string) => profilesOf(facts).some((p) => p.uuid === uuid && p.active && p.device === device)
  if (!br || br.kind !== 'bridge' || nic?.master !== w.bridge) return false
  if (!active(bridgeProfile(w, facts).uuid, w.bridge) || !active(portProfile(w, facts).uuid, w.device)) return false
  const has = (list: { address: string; prefix: number }[], a: { address: string; prefix: number }) => list.some((x) => x.address === a.address && x.prefix === a.prefix)
  if (!w.addresses.every((a) => has(br.addresses, a)) || !w.addresses6.every((a) => has(br.addresses6, a))) return false
  const def = net.routes.find((r) => r.dst === 'default')
  return !w.gateway || (def?.dev === w.bridge && def.gateway === w.gateway)
}

/** Reads the checkpoint's path from the file the apply left in `dir` (a shell word); empty when there is none. */
export const readCheckpoint = (dir: string) => `cp=; { read -r cp < "${dir}/${CHECKPOINT_FILE}"; } 2>/dev/null || true`

/**
 * The apply, sourced by the cutover's detached shell, where "$0" is the
 * cutover's directory on the host (src/cutover/confirmed-apply.ts, armScript).
 */
export function applyScript(w: BridgeWish, facts: NetworkFacts, confirmTimeoutSec: number): string {
  const br = bridgeProfile(w, facts)
  const port = portProfile(w, facts)
  const timeout = confirmTimeoutSec + NM_ROLLBACK_MARGIN_SEC
  // nmcli waits for each activation, but never past the confirm timeout.
  const wait = Math.max(5, Math.min(30, confirmTimeoutSec - 5))
  return [
    `# kvmplay: ${w.bridge} over ${w.device} by NetworkManager, under a checkpoint of every device that NM rolls back by itself after ${timeout} s`,
    `out=$(${busctl('CheckpointCreate', 'aouu', '0', String(timeout), String(CHECKPOINT_FLAGS))}) || { echo "could not create a NetworkManager checkpoint: $out" >&2; exit 1; }`,
    // busctl prints: o "/org/freedesktop/NetworkManager/Checkpoint/1"
    `cp=\${out#o \\"}; cp=\${cp%\\"}`,
    `printf '%s\\n' "$cp" > "$0/${CHECKPOINT_FILE}"`,
    // The keyfiles are on disk already (persistBridge); NetworkManager reads them now, and drops the files that went.
    'nmcli connection reload || exit 1',
    sh`nmcli -w ${wait} connection up uuid ${br.uuid} || exit 1`,
    sh`nmcli -w ${wait} connection up uuid ${port.uuid} || exit 1`,
  ].join('\n')
}

/** The confirmation: the checkpoint destroyed, so NetworkManager keeps the change. Runs in confirmScript, where "$d" is the cutover's directory. */
export const confirmCheckpoint = `${readCheckpoint('$d')}\n[ -z "$cp" ] || ${busctl('CheckpointDestroy', 'o', '"$cp"')}`

/** The checkpoint rolled back; run from restore.sh, whose directory ("${0%/*}") is the cutover's. Says in $nm_rolled_back whether it was. */
export const rollbackCheckpoint = `${readCheckpoint('${0%/*}')}\nnm_rolled_back=no\n[ -z "$cp" ] || ! ${busctl('CheckpointRollback', 'o', '"$cp"')} >/dev/null || nm_rolled_back=yes`

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
export function restore(change: RuntimeChange, facts: NetworkFacts, files: FileOriginal[]) {
  const [bridge, device] = change.links
  const snapshot = snapshotOf(facts.net, change.links)
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
  const script = [
    '# kvmplay rollback (NetworkManager): the checkpoint, then the files, then links and addresses where NM did not restore them',
    'set +e',
    change.rollback ?? rollbackCheckpoint,
    restoreScript({ links: [] }, files).replace(/^#.*\nset \+e\n/, ''),
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
    restoreScript(snapshot, []).replace(/^#.*\nset \+e\n/, '').trimEnd(),
    'fi',
  ].join('\n')
  return { script: script + '\n', describe: `NetworkManager's checkpoint rolled back; ${describeSnapshot(snapshot, files)}` }
}

export const networkManagerBackend: NetworkBackend = {
  name: 'networkmanager',
  detect: (facts, device, bridge) => {
    if (!facts.system.networkManager) return undefined
    const p = activeOn(facts, device) ?? activeOn(facts, bridge)
    return p ? `NetworkManager profile '${p.name}' is active on ${p.device}` : undefined
  },
  persist: (w, facts) => networkManagerFiles(w, facts),
  planRuntime: (w, facts, ctx) => {
    if (converged(w, facts)) return undefined
    const timeout = ctx?.confirmTimeoutSec ?? DEFAULT_CONFIRM_TIMEOUT_SEC
    const br = bridgeProfile(w, facts)
    const port = portProfile(w, facts)
    return {
      apply: applyScript(w, facts, timeout),
      describe: `NetworkManager: checkpoint of every device (NM rolls back by itself after ${timeout + NM_ROLLBACK_MARGIN_SEC} s), reload the keyfiles, up '${br.id}' on ${w.bridge} and '${port.id}' on ${w.device}`,
      links: [w.bridge, w.device],
      confirm: confirmCheckpoint,
      rollback: rollbackCheckpoint,
    }
  },
  restore,
}
