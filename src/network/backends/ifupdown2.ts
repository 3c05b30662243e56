/**
 * ifupdown2 (Proxmox VE's, and Cumulus Linux's; as Debian packages it,
 * it conflicts with ifupdown): the same files as Debian's ifupdown —
 * /etc/network/interfaces and what it sources — read and rewritten by the
 * same interfaces(5) editor (./ifupdown.ts), in ifupdown2's syntax as
 * Proxmox VE writes it (templates/ifupdown2/): the uplink `inet manual`,
 * `auto br0` / `iface br0 inet static` with `address` CIDR (every further
 * IPv4 address one more `address` line), `gateway`, `bridge-ports`,
 * `bridge-stp`, `bridge-fd`, and `hwaddress` — Debian's ifupdown2 leaves a
 * new bridge's MAC to the kernel and udev (with systemd's
 * MACAddressPolicy=persistent, one of the bridge's own), and sets a port's
 * only where a policy file asks (bridge_set_static_mac_from_port), so the
 * MAC is written out. IPv6 in an `inet6` stanza of its own, as Proxmox
 * writes it. And `bridge-ports-condone-regex ^vnet[0-9]+$`: every ifup or
 * ifreload of a bridge takes out (and downs) each port its bridge-ports do
 * not name — libvirt's guests' taps, vnetN — but for those the regex
 * condones (Proxmox patches its ifupdown2 to spare its own tap/veth/fwpr
 * ports; Debian's does not), so an admin's `ifreload -a` leaves the guests
 * on the bridge.
 *
 * A bridge the files already define as wished, in any spelling ifupdown2
 * reads (Proxmox's vmbr0 over the uplink, migrated to with `bridge: vmbr0`),
 * is left as its admin or installer wrote it: no file changes. The uplink
 * already a port of another bridge is refused (a second bridge over one NIC
 * would take it from the first).
 *
 * The running host changes the ifupdown2 way, `ifreload -a`: ifupdown2
 * compares the files with what it brought up (its state in /var/tmp/network)
 * and takes every interface there — the uplink's addresses purged (it owns
 * none now), the bridge created with its port, MAC, addresses and gateway.
 * The way back is the same reload of the uplink's own stanza again; it also
 * takes down the bridge whose stanza went, where its state knew the bridge,
 * and kvmplay deletes it where it did not. A rollback puts the links back
 * with ip, as every backend does, the files back, then `ifreload -a` so
 * ifupdown2's own state is that of the files again (ip again if it fails).
 *
 * Bonds: ifupdown2 gives a bond with no `hwaddress` a new random MAC at
 * every ifreload (CumulusNetworks/ifupdown2#269); the uplinks it bridges are
 * NICs, whose MAC is their own.
 */
import { sh } from '../../core/quote.ts'
import { KvmplayError } from '../../core/errors.ts'
import type { FileOriginal } from '../../core/task.ts'
import type { HostNetwork } from '../../facts/network.ts'
import { INTERFACES } from '../../facts/network-system.ts'
import type { PersistedNetworkFile } from '../../facts/network-system.ts'
import { renderTemplate } from '../../render.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import type { NetworkBackend, NetworkFacts, PersistedFile, Restore, RuntimeChange } from '../backend.ts'
import { iproute2Plan } from '../iproute2.ts'
import { isUnbridged, refuseWhileOtherPorts } from '../unbridge/iproute2.ts'
import type { BridgeWish } from '../wish.ts'
import { addressingContext, carriedOver, definingFiles, isMarker, parseStanzas, renderBridgeStanzas, rewriteInterfaces, stanzaClaim, upRoutes } from './ifupdown.ts'
import type { IfaceStanza } from './ifupdown.ts'

export const IFUPDOWN2_TEMPLATES = { bridge: 'ifupdown2/bridge.hbs', uplink: 'ifupdown2/uplink.hbs' } as const

/** Where the wish goes: the bridge over the uplink (the way there), or the uplink alone (the way back). */
export type Ifupdown2State = 'present' | 'absent'

const AUTO = /^\s*(auto|allow-[\w-]+)\s+(.*?)\s*$/
const isComment = (l: string) => /^\s*#/.test(l)
/** Whether some `auto` or `allow-*` line brings `iface` up. */
const broughtUp = (content: string, iface: string) => content.split('\n').some((l) => !isComment(l) && (AUTO.exec(l)?.[2].split(/\s+/).includes(iface) ?? false))

/** A stanza's options as ifupdown2 reads them: `bridge_ports` and `bridge-ports` alike, every value of a repeated one. */
export function optionsOf(stanzas: IfaceStanza[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of stanzas.flatMap((s) => s.options)) {
    const m = /^\s*(\S+)\s*(.*?)\s*$/.exec(line)
    if (!m) continue
    const key = m[1].replace(/_/g, '-')
    out.set(key, [...(out.get(key) ?? []), m[2]])
  }
  return out
}

const stanzasOf = (files: PersistedNetworkFile[], iface: string, family?: string) =>
  files.flatMap((f) => parseStanzas(f.content)).filter((s) => s.iface === iface && (family === undefined || s.family === family))

/** An address as ifupdown2 takes it: `a/p`, or `a` with the stanza's netmask. */
function cidrOf(address: string, netmask?: string): string {
  if (address.includes('/') || !netmask) return address
  const prefix = netmask.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, '').length, 0)
  return `${address}/${prefix}`
}
const truthy = (v?: string) => v !== undefined && ['on', 'yes', '1'].includes(v.toLowerCase())
const macOf = (v?: string) => v?.replace(/^ether\s+/, '').toLowerCase()

/**
 * Whether the files already define the bridge as wished, in whatever spelling
 * ifupdown2 reads: brought up at boot, the method, every address (the primary first) and the
 * gateway, the uplink as its only port, STP, forward delay, MTU, the routes,
 * the MAC where one is written; the uplink carrying no address of its own.
 * Such a bridge (Proxmox's vmbr0, a bridge an admin wrote) stays as written.
 */
export function definedAsWished(files: PersistedNetworkFile[], w: BridgeWish): boolean {
  const v4 = stanzasOf(files, w.bridge, 'inet')
  if (v4.length === 0 || v4.some((s) => s.method !== w.bootproto)) return false
  if (!files.some((f) => broughtUp(f.content, w.bridge))) return false
  const o = optionsOf(v4)
  const one = (k: string) => o.get(k)?.[0]
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i])
  const addresses = (o.get('address') ?? []).flatMap((a) => a.split(/\s+/)).map((a) => cidrOf(a, one('netmask')))
  if (!same(addresses, w.addresses.map((a) => `${a.address}/${a.prefix}`))) return false
  if (w.bootproto === 'static' && one('gateway') !== w.gateway) return false
  if (!same((one('bridge-ports') ?? '').split(/\s+/), [w.device])) return false
  if (truthy(one('bridge-stp')) !== w.stp || one('bridge-fd') !== String(w.delay)) return false
  if ((w.mtu === undefined ? undefined : String(w.mtu)) !== one('mtu')) return false
  if (one('hwaddress') !== undefined && macOf(one('hwaddress')) !== w.hwaddr.toLowerCase()) return false
  const ups = o.get('up') ?? []
  if (!upRoutes(w, w.bridge).every((r) => ups.includes(r))) return false
  const v6 = optionsOf(stanzasOf(files, w.bridge, 'inet6')).get('address') ?? []
  if (!same([...v6].sort(), w.addresses6.map((a) => `${a.address}/${a.prefix}`).sort())) return false
  // The port carries nothing of its own.
  return stanzasOf(files, w.device).every((s) => s.method === 'manual' && !optionsOf([s]).has('address'))
}

/** The bridge the files or the running host already put the uplink into, other than the wished one. */
function otherBridge(files: PersistedNetworkFile[], w: BridgeWish, net: HostNetwork): { name: string; where: string } | undefined {
  const master = net.links.find((l) => l.name === w.device)?.master
  if (master && master !== w.bridge && net.links.find((l) => l.name === master)?.kind === 'bridge') return { name: master, where: `${w.device} is its port now` }
  for (const f of files) {
    for (const s of parseStanzas(f.content)) {
      if (s.iface === w.bridge) continue
      const ports = optionsOf([s]).get('bridge-ports')?.flatMap((p) => p.split(/\s+/)) ?? []
      if (ports.includes(w.device)) return { name: s.iface, where: `${f.path} makes ${w.device} its port` }
    }
  }
  return undefined
}

/** Refuses a second bridge over an uplink that is already a bridge's port (Proxmox's vmbr0, say): the playbook can name that bridge. */
export function refuseSecondBridge(files: PersistedNetworkFile[], w: BridgeWish, net: HostNetwork): void {
  const other = otherBridge(files, w, net)
  if (!other) return
  throw new KvmplayError(
    'precondition',
    `${w.device} is already a port of bridge ${other.name} (${other.where}): kvmplay does not put it into a second bridge ${w.bridge}. ` +
      `Use ${other.name} — the migration playbooks take -e bridge=${other.name} — or remove it first; nothing was changed`,
  )
}

/**
 * The way back removes only a bridge kvmplay wrote (its marker line is in
 * the files): one the files define without it — Proxmox's vmbr0, a bridge
 * of the admin's — was there before any migration, and is refused, named.
 */
export function refuseForeignBridge(files: PersistedNetworkFile[], w: BridgeWish): void {
  const where = files.find((f) => parseStanzas(f.content).some((s) => s.iface === w.bridge))
  if (!where || files.some((f) => f.content.split('\n').some((l) => isMarker(l, w.bridge)))) return
  throw new KvmplayError(
    'precondition',
    `${w.bridge} is not a bridge kvmplay wrote (${where.path} defines it without kvmplay's line): it was there before, so the way back keeps it — run it with -e remove_bridge=false, or remove ${w.bridge} by hand; nothing was changed`,
  )
}

/** The bridge's stanzas (and the uplink's manual one), or the uplink's own again. */
function renderBlock(state: Ifupdown2State, w: BridgeWish, files: PersistedNetworkFile[]): string {
  const carried = carriedOver(files, w)
  if (state === 'present') return renderBridgeStanzas(w, carried, IFUPDOWN2_TEMPLATES.bridge)
  const auto = !files.some((f) => broughtUp(rewriteInterfaces(f.content, w), w.device))
  return renderTemplate(IFUPDOWN2_TEMPLATES.uplink, { ...addressingContext(w, carried), auto, device: w.device, routes: upRoutes(w, w.device) })
}

/**
 * The files for the wish: the one that holds the uplink's stanza (else the
 * bridge's, else /etc/network/interfaces) gets the block where the first of
 * them was; other files that define either only lose their stanzas.
 */
export function ifupdown2Files(state: Ifupdown2State, w: BridgeWish, { system, net }: NetworkFacts): PersistedFile[] {
  const files = system.ifupdown2 ?? []
  const defining = definingFiles(files, w)
  if (state === 'present') {
    refuseSecondBridge(files, w, net)
    if (definedAsWished(files, w)) return defining.map(({ path, content }) => ({ path, content }))
  } else refuseForeignBridge(files, w)
  const block = renderBlock(state, w, files)
  const home = defining.find((f) => parseStanzas(f.content).some((s) => s.iface === w.device)) ?? defining[0] ?? files.find((f) => f.path === INTERFACES) ?? { path: INTERFACES, content: '' }
  const targets = defining.includes(home) ? defining : [home, ...defining]
  return targets.map((f) => ({ path: f.path, content: rewriteInterfaces(f.content, w, f === home ? block : undefined) }))
}

/** ifupdown2 takes the running host to its files: every interface they define, and down those whose stanza went (that it brought up). */
export const RELOAD = 'ifreload -a'

/** The lease of the uplink's own (ifupdown2's dhcp method runs dhclient) ends: the bridge asks again, with the same MAC. */
const endLease = (device: string) => sh`if [ -f /run/dhclient.${device}.pid ]; then read -r pid < /run/dhclient.${device}.pid && kill "$pid" || true; fi`

function bridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  return { apply: ['set -e', endLease(w.device), RELOAD].join('\n'), describe: `${RELOAD} (${w.device} into ${w.bridge})` }
}

function unbridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const apply = [
    'set -e',
    RELOAD,
    // ifupdown2 takes down a removed bridge only if its state knew it (it brought it up); else the bridge stays,
    // holding the default route (ifupdown2's `ip route add` for the uplink fails, silently): kvmplay deletes it and reloads.
    sh`if [ -e /sys/class/net/${w.bridge} ]; then echo ${`${RELOAD} left ${w.bridge} (unknown to ifupdown2's state): deleting it`} >&2; ip link del ${w.bridge}; ` + `${RELOAD}; fi`,
  ].join('\n')
  return { apply, describe: `${RELOAD} (${w.bridge}'s stanza gone, ${w.device} with the addresses; ${w.bridge} deleted where ifupdown2 leaves it)` }
}

/** The change to the running host for the wish; undefined when it is there already. */
export function ifupdown2Runtime(state: Ifupdown2State, w: BridgeWish, { system, net }: NetworkFacts): RuntimeChange | undefined {
  if (state === 'absent') {
    if (isUnbridged(w, net)) return undefined
    refuseWhileOtherPorts(w, net)
    refuseForeignBridge(system.ifupdown2 ?? [], w)
    return { ...unbridgeChange(w), links: [w.bridge, w.device] }
  }
  const files = system.ifupdown2 ?? []
  refuseSecondBridge(files, w, net)
  // A bridge kept as its admin wrote it, with no MAC of kvmplay's: its MAC is the system's own business.
  const adopted = !files.some((f) => f.content.split('\n').some((l) => isMarker(l, w.bridge))) && definedAsWished(files, w) && !optionsOf(stanzasOf(files, w.bridge, 'inet')).has('hwaddress')
  const mac = net.links.find((l) => l.name === w.device)?.mac
  const seen = adopted ? { ...net, links: net.links.map((l) => (l.name === w.bridge && mac ? { ...l, mac } : l)) } : net
  if (iproute2Plan(w, seen).length === 0) return undefined
  return { ...bridgeChange(w), links: [w.bridge, w.device] }
}

/**
 * The rollback of either change: the links, routes and files as they were
 * (restoreScript), then ifupdown2 reloads the files put back, so its own
 * state is theirs again; if that fails, ip once more. ifupdown2 adds a
 * gateway with `ip route add … proto kernel onlink`, which fails where ip put
 * the route back already: the default routes ip restored go just before the
 * reload, so they are ifupdown2's own again (as before the change), and come
 * back by ip if the reload brings none.
 */
export function ifupdown2Restore(state: Ifupdown2State, change: RuntimeChange, { net }: NetworkFacts, files: FileOriginal[]): Restore {
  const snapshot = snapshotOf(net, change.links)
  const back = restoreScript(snapshot, files).replace(/\n$/, '')
  const defaults = [
    { family: '-4', r: snapshot.defaultRoute },
    { family: '-6', r: snapshot.defaultRoute6 },
  ].flatMap(({ family, r }) => (r && change.links.includes(r.dev) ? [{ family, r }] : []))
  const script = [
    back,
    ...defaults.map(({ family, r }) => sh`ip ${family} route del default dev ${r.dev} 2>/dev/null`),
    `${RELOAD} || {`,
    back.replace(/^# .*\nset \+e\n/, ''),
    '}',
    ...defaults.map(({ family, r }) => sh`[ -n "$(ip ${family} route show default)" ] || ip ${family} route replace default ` + (r.gateway ? sh`via ${r.gateway} ` : '') + sh`dev ${r.dev}`),
  ].join('\n')
  const what = state === 'present' ? `ifupdown2 reloads the files put back` : `ifupdown2 reloads the bridge's files put back`
  return { script: script + '\n', describe: `${describeSnapshot(snapshot, files)}; ${what}` }
}

export const ifupdown2Backend: NetworkBackend = {
  name: 'ifupdown2',
  detect: ({ system }, device, bridge) => stanzaClaim('ifupdown2', system.ifupdown2, device, bridge),
  persist: (w, facts) => ifupdown2Files('present', w, facts),
  planRuntime: (w, facts) => ifupdown2Runtime('present', w, facts),
  restore: (change, facts, files) => ifupdown2Restore('present', change, facts, files),
}
