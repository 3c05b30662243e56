/**
 * ifupdown2's files for the wish: the same files as Debian's ifupdown's —
 * /etc/network/interfaces and what it sources — read and rewritten by its
 * interfaces(5) editor (../ifupdown/stanzas.ts, ../ifupdown/files.ts), in
 * ifupdown2's syntax as Proxmox VE writes it (templates/ifupdown2/): the
 * uplink `inet manual`, `auto br0` / `iface br0 inet static` with `address`
 * CIDR (every further IPv4 address one more `address` line), `gateway`,
 * `bridge-ports`, `bridge-stp`, `bridge-fd`, `hwaddress`, IPv6 in an `inet6`
 * stanza of its own; the way back, the uplink's own stanza again.
 *
 * - `hwaddress`: Debian's ifupdown2 leaves a new bridge's MAC to the kernel
 *   and udev (with systemd's MACAddressPolicy=persistent, one of the bridge's
 *   own), and sets a port's only where a policy file asks
 *   (bridge_set_static_mac_from_port), so the MAC is written out.
 * - `bridge-ports-condone-regex ^vnet[0-9]+$`: every ifup or ifreload of a
 *   bridge takes out (and downs) each port its bridge-ports do not name —
 *   libvirt's guests' taps, vnetN — but for those the regex condones
 *   (Proxmox patches its ifupdown2 to spare its own tap/veth/fwpr ports;
 *   Debian's does not), so an admin's `ifreload -a` leaves the guests on the
 *   bridge.
 *
 * A bridge the files already define as wished, in any spelling ifupdown2
 * reads (Proxmox's vmbr0 over the uplink, migrated to with `bridge: vmbr0`),
 * is left as its admin or installer wrote it: no file changes. The uplink
 * already a port of another bridge is refused (a second bridge over one NIC
 * would take it from the first); the way back removes only a bridge kvmplay
 * wrote.
 */
import { KvmplayError } from '../../../core/errors.ts'
import type { HostNetwork } from '../../../facts/network.ts'
import type { PersistedNetworkFile } from '../../../facts/network-system.ts'
import type { NetworkFacts, PersistedFile } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { interfacesFiles } from '../ifupdown/files.ts'
import { definingFiles, isMarker, parseStanzas, upRoutes } from '../ifupdown/stanzas.ts'
import type { IfaceStanza } from '../ifupdown/stanzas.ts'
import { IFUPDOWN2_TEMPLATES } from './templates.ts'

const AUTO = /^\s*(auto|allow-[\w-]+)\s+(.*?)\s*$/
const isComment = (l: string) => /^\s*#/.test(l)
/** Whether some `auto` or `allow-*` line brings `iface` up. */
const broughtUp = (content: string, iface: string) => content.split('\n').some((l) => !isComment(l) && (AUTO.exec(l)?.[2].split(/\s+/).includes(iface) ?? false))

/** Stanzas' options as ifupdown2 reads them: `bridge_ports` and `bridge-ports` alike, every value of a repeated one. */
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

export const stanzasOf = (files: PersistedNetworkFile[], iface: string, family?: string) =>
  files.flatMap((f) => parseStanzas(f.content)).filter((s) => s.iface === iface && (family === undefined || s.family === family))

/** Whether kvmplay's line before a bridge's stanzas is in the files: kvmplay wrote that bridge. */
export const writtenByKvmplay = (files: PersistedNetworkFile[], bridge: string) => files.some((f) => f.content.split('\n').some((l) => isMarker(l, bridge)))

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
 * ifupdown2 reads: brought up at boot, the method, every address (the primary
 * first) and the gateway, the uplink as its only port, STP, forward delay,
 * MTU, the routes, the MAC where one is written; the uplink carrying no
 * address of its own. Such a bridge (Proxmox's vmbr0, a bridge an admin
 * wrote) stays as written.
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
  if (!same((one('bridge-ports') ?? '').split(/\s+/), [w.uplink.name])) return false
  if (truthy(one('bridge-stp')) !== w.stp || one('bridge-fd') !== String(w.delay)) return false
  if ((w.mtu === undefined ? undefined : String(w.mtu)) !== one('mtu')) return false
  if (one('hwaddress') !== undefined && macOf(one('hwaddress')) !== w.hwaddr.toLowerCase()) return false
  const ups = o.get('up') ?? []
  if (!upRoutes(w, w.bridge).every((r) => ups.includes(r))) return false
  const v6 = optionsOf(stanzasOf(files, w.bridge, 'inet6')).get('address') ?? []
  if (!same([...v6].sort(), w.addresses6.map((a) => `${a.address}/${a.prefix}`).sort())) return false
  // The port carries nothing of its own.
  return stanzasOf(files, w.uplink.name).every((s) => s.method === 'manual' && !optionsOf([s]).has('address'))
}

/** The bridge the files or the running host already put the uplink into, other than the wished one. */
function otherBridge(files: PersistedNetworkFile[], w: BridgeWish, net: HostNetwork): { name: string; where: string } | undefined {
  const device = w.uplink.name
  const master = net.links.find((l) => l.name === device)?.master
  if (master && master !== w.bridge && net.links.find((l) => l.name === master)?.kind === 'bridge') return { name: master, where: `${device} is its port now` }
  for (const f of files) {
    for (const s of parseStanzas(f.content)) {
      if (s.iface === w.bridge) continue
      const ports = optionsOf([s]).get('bridge-ports')?.flatMap((p) => p.split(/\s+/)) ?? []
      if (ports.includes(device)) return { name: s.iface, where: `${f.path} makes ${device} its port` }
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
    `${w.uplink.name} is already a port of bridge ${other.name} (${other.where}): kvmplay does not put it into a second bridge ${w.bridge}. ` +
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
  if (!where || writtenByKvmplay(files, w.bridge)) return
  throw new KvmplayError(
    'precondition',
    `${w.bridge} is not a bridge kvmplay wrote (${where.path} defines it without kvmplay's line): it was there before, so the way back keeps it — run it with -e remove_bridge=false, or remove ${w.bridge} by hand; nothing was changed`,
  )
}

export function ifupdown2Files(w: BridgeWish, { system, net }: NetworkFacts): PersistedFile[] {
  const files = system.ifupdown2 ?? []
  if (w.state === 'present') {
    refuseSecondBridge(files, w, net)
    if (definedAsWished(files, w)) return definingFiles(files, w).map(({ path, content }) => ({ path, content }))
  } else refuseForeignBridge(files, w)
  return interfacesFiles(w, files, IFUPDOWN2_TEMPLATES)
}
