/**
 * systemd-networkd: the bridge persisted in networkd's own files in
 * /etc/systemd/network (Debian minimal, Arch, Flatcar, mkosi images):
 *
 * - the bridge's .netdev (templates/networkd/bridge.netdev.hbs): Kind=bridge,
 *   STP and forward delay from the wish, and **MACAddress= the uplink's**:
 *   networkd otherwise derives a bridge's MAC from /etc/machine-id
 *   (MACAddressPolicy=persistent), and a DHCP server would see a new client;
 * - the bridge's .network: the uplink's addressing moved there — every
 *   section of the uplink's .network but [Match] and [Link], with Address=,
 *   Gateway= and DHCP= as the wish says, and for a leased uplink the DHCP
 *   client identifier its lease was taken with (same MAC, same client: the
 *   same lease);
 * - the uplink's .network, the same file rewritten: its [Match] and [Link] as
 *   they were, `[Network] Bridge=<bridge>` instead of its addressing.
 *
 * The files networkd applies are found from networkd itself where it runs
 * (/run/systemd/netif/links/IFINDEX: NETWORK_FILE=), else by matching the
 * files' [Match] Name=/MACAddress= as networkd would. netplan's generated
 * files live in /run/systemd/network and are netplan's (its backend claims
 * such an uplink from /etc/netplan), never this backend's.
 *
 * The running host: `networkctl reload` (a new .netdev is created, every link
 * whose .network changed is reconfigured), then `networkctl reconfigure` of
 * the uplink and the bridge once the bridge exists. networkd never deletes a
 * netdev that left its configuration, so the rollback (and the way back)
 * deletes the bridge with ip.
 */
import { KvmplayError } from '../../core/errors.ts'
import { sh } from '../../core/quote.ts'
import type { FileOriginal } from '../../core/task.ts'
import type { NetworkdState, PersistedNetworkFile } from '../../facts/network-system.ts'
import { NETWORKD_DIR } from '../../facts/network-system.ts'
import { renderTemplate } from '../../render.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import type { NetworkBackend, NetworkFacts, PersistedFile, Restore, RuntimeChange } from '../backend.ts'
import { iproute2Plan } from '../iproute2.ts'
import type { BridgeWish } from '../wish.ts'

// --- networkd's unit files: sections of lines -------------------------------------------

export interface Section {
  name: string
  /** The lines after the header, as they are (comments included), trailing blank lines dropped. */
  lines: string[]
}
export interface Unit {
  /** Lines before the first section (comments). */
  head: string[]
  sections: Section[]
}

/** A line kvmplay wrote (and takes out again when it rewrites the file). */
export const MARK = '# kvmplay:'
const isMark = (l: string) => l.startsWith(MARK)
const trimEnd = (lines: string[]) => {
  const out = [...lines]
  while (out.length && out[out.length - 1].trim() === '') out.pop()
  return out
}

export function parseUnit(text: string): Unit {
  const unit: Unit = { head: [], sections: [] }
  let current: string[] = unit.head
  for (const line of text.split('\n')) {
    const h = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (h) {
      const s = { name: h[1], lines: [] as string[] }
      unit.sections.push(s)
      current = s.lines
    } else current.push(line)
  }
  // The head as it is (a blank line before the first section or none), unless the file has no section.
  if (unit.sections.length === 0) unit.head = trimEnd(unit.head)
  for (const s of unit.sections) s.lines = trimEnd(s.lines)
  return unit
}

export function renderUnit(u: Unit): string {
  const head = u.head.map((l) => `${l}\n`).join('')
  return head + u.sections.map((s) => [`[${s.name}]`, ...s.lines].join('\n') + '\n').join('\n')
}

/** `Key=value` → [Key, value]; comments and blank lines → undefined. */
export function keyValue(line: string): [string, string] | undefined {
  if (/^\s*[#;]/.test(line)) return undefined
  const m = /^\s*([A-Za-z0-9]+)\s*=\s*(.*?)\s*$/.exec(line)
  return m ? [m[1], m[2]] : undefined
}

/** Every value of `key` in the sections named `section` (a key given twice, or a list, counts each word where networkd takes lists). */
export const values = (u: Unit, section: string, key: string): string[] =>
  u.sections.filter((s) => s.name === section).flatMap((s) => s.lines.map(keyValue).filter((kv): kv is [string, string] => kv?.[0] === key).map((kv) => kv[1]))

/** fnmatch(3) as networkd's Name= globs use it: *, ?, [...]. */
function glob(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${re}$`)
}

/** Whether a list of patterns (networkd's: space-separated, `!` first inverts the whole list) holds for `value`. */
function listMatches(list: string[], value: string | undefined, test: (p: string, v: string) => boolean): boolean {
  const words = list.flatMap((l) => l.split(/\s+/)).filter(Boolean)
  if (words.length === 0) return true
  const invert = words[0].startsWith('!')
  const pats = invert ? [words[0].slice(1), ...words.slice(1)].filter(Boolean) : words
  const hit = value !== undefined && pats.some((p) => test(p, value))
  return invert ? !hit : hit
}

/**
 * Whether a .network's [Match] holds for a link, by what kvmplay knows of it:
 * Name= (globs) and MACAddress=/PermanentMACAddress= (a veth or bridge has no
 * permanent MAC: only a NIC's own counts, and kvmplay takes its MAC for it).
 * Other conditions (Type=, Driver=, Path=, Kind=…) are not judged: a file
 * that has them is taken to match when Name=/MAC hold, which the state
 * networkd reports overrides where it runs.
 */
export function matches(u: Unit, link: { name: string; mac?: string; kind?: string }): boolean {
  const name = values(u, 'Match', 'Name')
  const mac = values(u, 'Match', 'MACAddress')
  const perm = values(u, 'Match', 'PermanentMACAddress')
  const sameMac = (p: string, v: string) => p.toLowerCase() === v.toLowerCase()
  return (
    listMatches(name, link.name, (p, v) => glob(p).test(v)) &&
    listMatches(mac, link.mac, sameMac) &&
    listMatches(perm, link.kind === undefined ? link.mac : undefined, sameMac)
  )
}

/** The file's [Match] names exactly this link (by name or MAC, no glob, nothing else matched). */
export function matchesOnly(u: Unit, link: { name: string; mac?: string }): boolean {
  const name = values(u, 'Match', 'Name').flatMap((v) => v.split(/\s+/)).filter(Boolean)
  const mac = [...values(u, 'Match', 'MACAddress'), ...values(u, 'Match', 'PermanentMACAddress')].flatMap((v) => v.split(/\s+/)).filter(Boolean)
  return (name.length === 1 && name[0] === link.name) || (mac.length === 1 && mac[0].toLowerCase() === link.mac?.toLowerCase())
}

// --- which files networkd applies ------------------------------------------------------------

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1)
export const networkFiles = (nd: NetworkdState) => nd.files.filter((f) => f.path.endsWith('.network'))

/**
 * The /etc/systemd/network .network file networkd applies to the link: the
 * one networkd says it applied (where it runs), else the first by file name
 * whose [Match] holds. Undefined when it applies none of /etc's (nothing, or
 * netplan's in /run/systemd/network, or a vendor's in /usr/lib).
 */
export function appliedFile(nd: NetworkdState, link: { name: string; mac?: string; kind?: string }): (PersistedNetworkFile & { unit: Unit }) | undefined {
  const state = nd.links.find((l) => l.name === link.name)
  const withUnit = (f: PersistedNetworkFile) => ({ ...f, unit: parseUnit(f.content) })
  if (state?.networkFile) {
    const f = networkFiles(nd).find((x) => x.path === state.networkFile)
    return f && withUnit(f)
  }
  // networkd runs and knows the link but applied no file to it: it would apply none either.
  if (nd.state === 'running' && state) return undefined
  const f = networkFiles(nd).find((x) => matches(parseUnit(x.content), link))
  return f && withUnit(f)
}

/** Where networkd is running, whether it keeps the link from a file of /etc/systemd/network; the reason. */
export function claims(facts: NetworkFacts, device: string, bridge: string): string | undefined {
  const nd = facts.system.networkd
  if (!nd) return undefined
  for (const name of [device, bridge]) {
    const link = facts.net.links.find((l) => l.name === name)
    const f = appliedFile(nd, link ?? { name })
    if (f) return `systemd-networkd (${nd.state}) applies ${f.path} to ${name}`
  }
  return undefined
}

export interface NetworkdLayout {
  /** The uplink's .network (rewritten in place, the same path before and after). */
  port: PersistedNetworkFile & { unit: Unit }
  /** The bridge's .netdev and .network: the ones there are, else new ones named after the uplink's file. */
  netdev: string
  network: string
  /** Their units where they exist. */
  netdevUnit?: Unit
  networkUnit?: Unit
}

/**
 * The files of the bridge over the uplink: the uplink's own .network (which
 * must name the uplink alone: a file that matches other links too would make
 * them ports), the bridge's .netdev (one whose [NetDev] Name= is the bridge,
 * else new) and .network (the one applied to the bridge, else new). New ones
 * take the uplink file's number (10-eth0.network → 10-br0.netdev,
 * 10-br0.network), so they are read before a catch-all such as
 * 99-dhcp.network; one that would still be read first for the bridge is refused.
 */
export function layout(w: Pick<BridgeWish, 'bridge' | 'device' | 'hwaddr'>, facts: NetworkFacts): NetworkdLayout {
  const nd = facts.system.networkd
  if (!nd) throw new KvmplayError('precondition', `systemd-networkd neither runs nor is enabled on this host; nothing was changed`)
  const nic = facts.net.links.find((l) => l.name === w.device)
  const port = appliedFile(nd, nic ?? { name: w.device, mac: w.hwaddr })
  if (!port) throw new KvmplayError('precondition', `no .network file in ${NETWORKD_DIR} is applied to ${w.device}; nothing was changed`)
  if (!matchesOnly(port.unit, { name: w.device, mac: nic?.mac ?? w.hwaddr })) {
    throw new KvmplayError(
      'precondition',
      `${port.path} matches more than ${w.device} ([Match] ${[...values(port.unit, 'Match', 'Name').map((v) => `Name=${v}`), ...values(port.unit, 'Match', 'MACAddress').map((v) => `MACAddress=${v}`)].join(' ') || 'empty'}): rewritten as a bridge port it would make every link it matches a port of ${w.bridge}. Give ${w.device} a .network file of its own (Name=${w.device}) first; nothing was changed`,
    )
  }
  const netdev = nd.files.find((f) => f.path.endsWith('.netdev') && values(parseUnit(f.content), 'NetDev', 'Name').includes(w.bridge))
  const brLink = facts.net.links.find((l) => l.name === w.bridge)
  const applied = brLink ? appliedFile(nd, brLink) : undefined
  const byName = networkFiles(nd).find((f) => f.path !== port.path && values(parseUnit(f.content), 'Match', 'Name').join(' ').trim() === w.bridge)
  const number = /^(\d+)-/.exec(base(port.path))?.[1] ?? '10'
  const network = (applied && applied.path !== port.path ? applied.path : undefined) ?? byName?.path ?? `${NETWORKD_DIR}/${number}-${w.bridge}.network`
  // A file read before the bridge's that would match the bridge takes it instead.
  const first = networkFiles(nd).find((f) => f.path !== port.path && matches(parseUnit(f.content), { name: w.bridge, mac: w.hwaddr, kind: 'bridge' }))
  if (first && first.path !== network && base(first.path) < base(network)) {
    throw new KvmplayError('precondition', `${first.path} would be applied to ${w.bridge} before ${network} (networkd takes the first .network that matches, by file name); nothing was changed`)
  }
  return {
    port,
    netdev: netdev?.path ?? `${NETWORKD_DIR}/${number}-${w.bridge}.netdev`,
    network,
    netdevUnit: netdev ? parseUnit(netdev.content) : undefined,
    networkUnit: nd.files.some((f) => f.path === network) ? parseUnit(nd.files.find((f) => f.path === network)!.content) : undefined,
  }
}

// --- the addressing, moved between the uplink's file and the bridge's ------------------------

/** Sections that stay with the link itself (its match, its link settings); the rest is addressing and moves. */
const LINK_SECTIONS = new Set(['Match', 'Link', 'SR-IOV'])
/** [Network] keys that make the link a port of something, never carried. */
const PORT_KEYS = new Set(['Bridge', 'Bond', 'VRF'])

/** The addressing sections of a unit (all but [Match], [Link]), kvmplay's own lines taken out. */
export function addressing(u: Unit): Section[] {
  return u.sections
    .filter((s) => !LINK_SECTIONS.has(s.name))
    .map((s) => {
      // A line kvmplay marked goes with the line after it.
      const lines: string[] = []
      for (let i = 0; i < s.lines.length; i++) {
        if (isMark(s.lines[i])) {
          i++
          continue
        }
        const kv = keyValue(s.lines[i])
        if (s.name === 'Network' && kv && PORT_KEYS.has(kv[0])) continue
        lines.push(s.lines[i])
      }
      return { name: s.name, lines: trimEnd(lines) }
    })
    .filter((s) => s.lines.some((l) => l.trim() !== '') || s.name === 'Network')
}

/**
 * The DHCPv4 client identifier the uplink's lease was taken with, as
 * networkd settings that make the bridge send it: a DUID-based one
 * (ff, IAID, DUID — networkd's default) has an IAID networkd derives from
 * the link (its udev name where udev runs, else its MAC), which the bridge
 * would not share: the IAID is set. A MAC-based one (01, MAC) is the same
 * on the bridge, which has the uplink's MAC. Read as networkd writes it:
 * the IAID's four bytes in the order they go on the wire.
 */
export function clientIdLines(clientId: string | undefined): string[] {
  if (!clientId || !/^ff[0-9a-f]{8}/.test(clientId)) return []
  return ['ClientIdentifier=duid', `IAID=${parseInt(clientId.slice(2, 10), 16)}`]
}

/**
 * The addressing sections with the wish's addresses, gateways and DHCP: in
 * [Network], Address=, Gateway= and DHCP= replaced where the first of them
 * was; [Address] sections and everything else as they are; routes the kernel
 * has that no [Route] section gives added as [Route] sections. For a lease,
 * `clientLines` (kvmplay's, marked) in [DHCPv4], unless it sets them itself.
 */
export function withAddressing(sections: Section[], w: BridgeWish, clientLines: string[], why: string): Section[] {
  const out = sections.map((s) => ({ name: s.name, lines: [...s.lines] }))
  let net = out.find((s) => s.name === 'Network')
  if (!net) out.unshift((net = { name: 'Network', lines: [] }))
  const oldDhcp = net.lines.map(keyValue).find((kv) => kv?.[0] === 'DHCP')?.[1]
  const inSections = new Set(values({ head: [], sections: out }, 'Address', 'Address').map((a) => a.trim()))
  const isStatic = w.bootproto === 'static'
  const cidr = (a: { address: string; prefix: number }) => `${a.address}/${a.prefix}`
  const lines = [
    ...(isStatic ? w.addresses : []).map(cidr).filter((a) => !inSections.has(a)).map((a) => `Address=${a}`),
    ...w.addresses6.map(cidr).filter((a) => !inSections.has(a)).map((a) => `Address=${a}`),
    ...(isStatic && w.gateway ? [`Gateway=${w.gateway}`] : []),
    ...(w.gateway6 && w.addresses6.length ? [`Gateway=${w.gateway6}`] : []),
    ...(isStatic ? (oldDhcp === 'ipv6' ? ['DHCP=ipv6'] : []) : [`DHCP=${oldDhcp === 'ipv4' ? 'ipv4' : 'yes'}`]),
  ]
  const at = net.lines.findIndex((l) => ['Address', 'Gateway', 'DHCP'].includes(keyValue(l)?.[0] ?? ''))
  const kept = net.lines.filter((l) => !['Address', 'Gateway', 'DHCP'].includes(keyValue(l)?.[0] ?? ''))
  const insertAt = at === -1 ? kept.findIndex((l) => keyValue(l) !== undefined) : net.lines.slice(0, at).filter((l) => !['Address', 'Gateway', 'DHCP'].includes(keyValue(l)?.[0] ?? '')).length
  kept.splice(insertAt === -1 ? kept.length : insertAt, 0, ...lines)
  net.lines = kept
  // Routes someone added that no [Route] section gives (added at run time, say): persisted too.
  const routed = new Set(values({ head: [], sections: out }, 'Route', 'Destination'))
  for (const r of w.routes.filter((r) => !routed.has(r.dst) && !routed.has(`${r.dst}/32`))) {
    out.push({ name: 'Route', lines: [`Destination=${r.dst}`, ...(r.gateway ? [`Gateway=${r.gateway}`] : [])] })
  }
  if (!isStatic && clientLines.length) {
    let dhcp = out.find((s) => s.name === 'DHCPv4')
    const own = dhcp ? values({ head: [], sections: [dhcp] }, 'DHCPv4', 'ClientIdentifier').length + values({ head: [], sections: [dhcp] }, 'DHCPv4', 'IAID').length : 0
    if (!own) {
      if (!dhcp) out.push((dhcp = { name: 'DHCPv4', lines: [] }))
      dhcp.lines.push(...clientLines.flatMap((l) => [`${MARK} ${why}`, l]))
    }
  }
  return out
}

/**
 * The wish with the routes a file should give: not those a lease brought
 * (networkd's DHCP client adds a host route to the router, `proto dhcp`),
 * which the lease brings again.
 */
export function withoutLeasedRoutes(w: BridgeWish, facts: NetworkFacts): BridgeWish {
  const leased = new Set(facts.net.routes.filter((r) => (r.dev === w.device || r.dev === w.bridge) && (r.protocol === 'dhcp' || r.protocol === 'ra')).map((r) => r.dst))
  return { ...w, routes: w.routes.filter((r) => !leased.has(r.dst)) }
}

/** The DHCP client ID of the uplink's lease (first run), else the one kvmplay set on the bridge before (later runs). */
function clientIdOf(w: BridgeWish, facts: NetworkFacts, bridgeUnit?: Unit): string[] {
  const lease = facts.system.networkd?.links.find((l) => l.name === w.device)?.clientId
  if (lease) return clientIdLines(lease)
  if (!bridgeUnit) return []
  const dhcp = bridgeUnit.sections.filter((s) => s.name === 'DHCPv4').flatMap((s) => s.lines)
  return dhcp.flatMap((l, i) => (i > 0 && isMark(dhcp[i - 1]) ? [l] : []))
}

/** The files of the bridge, both directions' paths: the uplink's .network (a port), the bridge's .netdev and .network. */
export function networkdFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const l = layout(w, facts)
  // What the bridge carries: the uplink's addressing (first run), else the bridge's own (the next).
  const source = l.networkUnit && values(l.port.unit, 'Network', 'Bridge').includes(w.bridge) ? l.networkUnit : l.port.unit
  const carried = withAddressing(addressing(source), withoutLeasedRoutes(w, facts), clientIdOf(w, facts, l.networkUnit), `the DHCP client ID of ${w.device}'s lease, so the server sees the same client`)
  const network = renderTemplate('networkd/bridge.network.hbs', { bridge: w.bridge, device: w.device, origin: l.port.path, sections: renderUnit({ head: [], sections: carried }).trimEnd() })
  const netdev = renderTemplate('networkd/bridge.netdev.hbs', { bridge: w.bridge, device: w.device, hwaddr: w.hwaddr, mtu: w.mtu ?? '', stp: w.stp ? 'yes' : 'no', delay: w.delay })
  const kept = l.port.unit.sections.filter((s) => LINK_SECTIONS.has(s.name))
  const port = renderUnit({
    head: l.port.unit.head.filter((x) => !isMark(x)),
    sections: [...kept.map((s) => ({ name: s.name, lines: s.lines.filter((x) => !isMark(x)) })), { name: 'Network', lines: [`${MARK} ${w.device} is a port of ${w.bridge}; its addresses are ${w.bridge}'s (${l.network})`, `Bridge=${w.bridge}`] }],
  })
  return [
    { path: l.port.path, content: port },
    { path: l.netdev, content: netdev },
    { path: l.network, content: network },
  ]
}

// --- the running host -----------------------------------------------------------------------

/** Shell: wait (up to 10 s) for a link networkd creates from a .netdev. */
export const waitForLink = (name: string) => sh`i=0; until [ -e ${`/sys/class/net/${name}`} ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done`

/**
 * The host's own rollback, for either direction: the files as they were,
 * then the links with ip (a bridge networkd created is deleted: it never
 * deletes a netdev itself), then networkd reads its files again and
 * reconfigures the links, so they are its own once more.
 */
export function networkdRestore(change: RuntimeChange, facts: NetworkFacts, files: FileOriginal[]): Restore {
  const snapshot = snapshotOf(facts.net, change.links)
  const filesBack = restoreScript({ links: [] }, files).replace(/\n$/, '')
  const links = restoreScript(snapshot, []).replace(/\n$/, '').replace(/^# .*\nset \+e\n/, '')
  const existing = snapshot.links.filter((l) => l.existed).map((l) => l.name)
  const script = [
    filesBack,
    links,
    'networkctl reload',
    ...(existing.length ? [sh`networkctl reconfigure ${existing}`] : []),
    // Best effort, every line: the verdict is what the cutover sees, not this script's last command.
    'true',
  ]
  return { script: script.join('\n') + '\n', describe: `${describeSnapshot(snapshot, files)}; networkctl reload and reconfigure` }
}

export const networkdBackend: NetworkBackend = {
  name: 'networkd',
  detect: (facts, device, bridge) => claims(facts, device, bridge),
  persist: (w, facts) => networkdFiles(w, facts),
  planRuntime: (w, { net }) => {
    // As wished when iproute2 would have nothing to do: the port in the bridge, every address and route on it, none on the port.
    if (iproute2Plan(w, net).length === 0) return undefined
    const apply = [
      'set -e',
      // A new .netdev: networkd creates the bridge; a changed .network: it reconfigures the links it matches.
      'networkctl reload',
      waitForLink(w.bridge),
      sh`networkctl reconfigure ${w.device} ${w.bridge}`,
    ].join('\n')
    return { apply, describe: sh`networkctl reload; networkctl reconfigure ${w.device} ${w.bridge}`, links: [w.bridge, w.device] }
  },
  restore: networkdRestore,
}
