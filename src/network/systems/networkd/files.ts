/**
 * networkd's files, both ways, in /etc/systemd/network:
 *
 * - present: the bridge's .netdev (Kind=bridge, STP and forward delay from
 *   the wish, and **MACAddress= the uplink's**: networkd otherwise derives a
 *   bridge's MAC from /etc/machine-id, and a DHCP server would see a new
 *   client); the bridge's .network with the uplink's addressing — every
 *   section of the uplink's .network but [Match] and [Link], Address=,
 *   Gateway= and DHCP= as the wish says, and for a lease the DHCP client ID
 *   it was taken with; the uplink's .network, the same file, rewritten as a
 *   port: its [Match] and [Link] as they were, `[Network] Bridge=`.
 * - absent: the uplink's .network given back the addressing the bridge's
 *   carried (kvmplay's lines out), the bridge's files removed — so a file
 *   kvmplay bridged comes back as it was.
 *
 * The files are the ones networkd applies, found from networkd itself where
 * it runs (its state, NETWORK_FILE=), else by matching [Match] as it would.
 */
import { KvmplayError } from '../../../core/errors.ts'
import type { NetworkdState, PersistedNetworkFile } from '../../../facts/network-system.ts'
import { NETWORKD_DIR } from '../../../facts/network-system.ts'
import { renderTemplate } from '../../../render.ts'
import type { NetworkFacts, PersistedFile } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { NETWORKD_TEMPLATES } from './templates.ts'
import { MARK, isMark, keyValue, matches, matchesOnly, parseUnit, renderUnit, trimEnd, values } from './units.ts'
import type { Section, Unit } from './units.ts'

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

export interface NetworkdLayout {
  /** The uplink's .network (rewritten in place, the same path both ways). */
  port: PersistedNetworkFile & { unit: Unit }
  /** The bridge's .netdev and .network: the ones there are, else new ones named after the uplink's file. */
  netdev: string
  network: string
  /** The bridge's .network where it exists. */
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
export function layout(w: BridgeWish, facts: NetworkFacts): NetworkdLayout {
  const nd = facts.system.networkd
  const device = w.uplink.name
  if (!nd) throw new KvmplayError('precondition', `systemd-networkd neither runs nor is enabled on this host; nothing was changed`)
  const nic = facts.net.links.find((l) => l.name === device)
  const port = appliedFile(nd, nic ?? { name: device, mac: w.uplink.mac })
  if (!port) throw new KvmplayError('precondition', `no .network file in ${NETWORKD_DIR} is applied to ${device}; nothing was changed`)
  if (!matchesOnly(port.unit, { name: device, mac: w.uplink.mac })) {
    const match = [...values(port.unit, 'Match', 'Name').map((v) => `Name=${v}`), ...values(port.unit, 'Match', 'MACAddress').map((v) => `MACAddress=${v}`)].join(' ') || 'empty'
    throw new KvmplayError(
      'precondition',
      `${port.path} matches more than ${device} ([Match] ${match}): rewritten as a bridge port it would make every link it matches a port of ${w.bridge}. Give ${device} a .network file of its own (Name=${device}) first; nothing was changed`,
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
  const existing = nd.files.find((f) => f.path === network)
  return { port, netdev: netdev?.path ?? `${NETWORKD_DIR}/${number}-${w.bridge}.netdev`, network, networkUnit: existing && parseUnit(existing.content) }
}

/** Sections that stay with the link itself (its match, its link settings); the rest is addressing and moves. */
const LINK_SECTIONS = new Set(['Match', 'Link', 'SR-IOV'])
/** [Network] keys that make the link a port of something, never carried. */
const PORT_KEYS = new Set(['Bridge', 'Bond', 'VRF'])

/** The addressing sections of a unit (all but [Match], [Link]), kvmplay's own lines taken out. */
export function addressing(u: Unit): Section[] {
  return u.sections
    .filter((s) => !LINK_SECTIONS.has(s.name))
    .map((s) => {
      const lines: string[] = []
      for (let i = 0; i < s.lines.length; i++) {
        // A line kvmplay marked goes with the line after it.
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
 * networkd settings that make the bridge send it: a DUID-based one (ff, the
 * IAID, the DUID — networkd's default) has an IAID networkd derives from the
 * link (its udev name where udev runs, else its MAC), which the bridge would
 * not share: the IAID is set. A MAC-based one (01, the MAC) is the bridge's
 * too, with the uplink's MAC. The IAID's four bytes are read in the order
 * they go on the wire, which is how networkd sends an IAID= it is given.
 */
export function clientIdLines(clientId: string | undefined): string[] {
  if (!clientId || !/^ff[0-9a-f]{8}/.test(clientId)) return []
  return ['ClientIdentifier=duid', `IAID=${parseInt(clientId.slice(2, 10), 16)}`]
}

const ADDRESSING_KEYS = ['Address', 'Gateway', 'DHCP']
const isAddressing = (l: string) => ADDRESSING_KEYS.includes(keyValue(l)?.[0] ?? '')

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
  const all = { head: [], sections: out }
  const oldDhcp = net.lines.map(keyValue).find((kv) => kv?.[0] === 'DHCP')?.[1]
  const inSections = new Set(values(all, 'Address', 'Address').map((a) => a.trim()))
  const isStatic = w.bootproto === 'static'
  const cidr = (a: { address: string; prefix: number }) => `${a.address}/${a.prefix}`
  const lines = [
    ...(isStatic ? w.addresses : []).map(cidr).filter((a) => !inSections.has(a)).map((a) => `Address=${a}`),
    ...w.addresses6.map(cidr).filter((a) => !inSections.has(a)).map((a) => `Address=${a}`),
    ...(isStatic && w.gateway ? [`Gateway=${w.gateway}`] : []),
    ...(w.gateway6 && w.addresses6.length ? [`Gateway=${w.gateway6}`] : []),
    ...(isStatic ? (oldDhcp === 'ipv6' ? ['DHCP=ipv6'] : []) : [`DHCP=${oldDhcp === 'ipv4' ? 'ipv4' : 'yes'}`]),
  ]
  const at = net.lines.findIndex(isAddressing)
  const kept = net.lines.filter((l) => !isAddressing(l))
  const insertAt = at === -1 ? kept.findIndex((l) => keyValue(l) !== undefined) : net.lines.slice(0, at).filter((l) => !isAddressing(l)).length
  kept.splice(insertAt === -1 ? kept.length : insertAt, 0, ...lines)
  net.lines = kept
  // Routes someone added that no [Route] section gives (added at run time, say): persisted too.
  const routed = new Set(values(all, 'Route', 'Destination'))
  for (const r of w.routes.filter((r) => !routed.has(r.dst) && !routed.has(`${r.dst}/32`))) {
    out.push({ name: 'Route', lines: [`Destination=${r.dst}`, ...(r.gateway ? [`Gateway=${r.gateway}`] : [])] })
  }
  if (!isStatic && clientLines.length) {
    let dhcp = out.find((s) => s.name === 'DHCPv4')
    const own = dhcp ? [...values({ head: [], sections: [dhcp] }, 'DHCPv4', 'ClientIdentifier'), ...values({ head: [], sections: [dhcp] }, 'DHCPv4', 'IAID')].length : 0
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
  const devs = [w.uplink.name, w.bridge]
  const leased = new Set(facts.net.routes.filter((r) => devs.includes(r.dev) && (r.protocol === 'dhcp' || r.protocol === 'ra')).map((r) => r.dst))
  return { ...w, routes: w.routes.filter((r) => !leased.has(r.dst)) }
}

/** The DHCP client ID of the uplink's lease (first run), else the one kvmplay set on the bridge before (later runs). */
function clientIdOf(w: BridgeWish, facts: NetworkFacts, bridgeUnit?: Unit): string[] {
  const lease = facts.system.networkd?.links.find((l) => l.name === w.uplink.name)?.clientId
  if (lease) return clientIdLines(lease)
  const dhcp = (bridgeUnit?.sections ?? []).filter((s) => s.name === 'DHCPv4').flatMap((s) => s.lines)
  return dhcp.flatMap((l, i) => (i > 0 && isMark(dhcp[i - 1]) ? [l] : []))
}

/** The uplink's file keeps what is the link's own: its head comments, [Match], [Link] (kvmplay's lines out). */
const linkPart = (u: Unit): Unit => ({
  head: u.head.filter((x) => !isMark(x)),
  sections: u.sections.filter((s) => LINK_SECTIONS.has(s.name)).map((s) => ({ name: s.name, lines: s.lines.filter((x) => !isMark(x)) })),
})

/** The files of the wish: the uplink's .network, the bridge's .netdev and .network — the same paths both ways. */
export function networkdFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const l = layout(w, facts)
  const device = w.uplink.name
  // The addressing is the bridge's where the uplink is its port already, else the uplink's own.
  const source = l.networkUnit && values(l.port.unit, 'Network', 'Bridge').includes(w.bridge) ? l.networkUnit : l.port.unit
  const wish = withoutLeasedRoutes(w, facts)
  const own = linkPart(l.port.unit)
  if (w.state === 'absent') {
    return [{ path: l.port.path, content: renderUnit({ head: own.head, sections: [...own.sections, ...withAddressing(addressing(source), wish, [], '')] }) }, { path: l.netdev }, { path: l.network }]
  }
  const carried = withAddressing(addressing(source), wish, clientIdOf(w, facts, l.networkUnit), `the DHCP client ID of ${device}'s lease, so the server sees the same client`)
  const network = renderTemplate(NETWORKD_TEMPLATES.network, { bridge: w.bridge, device, origin: l.port.path, sections: renderUnit({ head: [], sections: carried }).trimEnd() })
  const netdev = renderTemplate(NETWORKD_TEMPLATES.netdev, { bridge: w.bridge, device, hwaddr: w.hwaddr, mtu: w.mtu ?? '', stp: w.stp ? 'yes' : 'no', delay: w.delay })
  const portLines = [
    `${MARK} ${device} is a port of ${w.bridge}; its addresses are ${w.bridge}'s (${l.network})`,
    `Bridge=${w.bridge}`,
    `${MARK} a port carries no address, not even a link-local one (as netplan renders a port)`,
    'LinkLocalAddressing=no',
  ]
  const port = renderUnit({ head: own.head, sections: [...own.sections, { name: 'Network', lines: portLines }] })
  return [
    { path: l.port.path, content: port },
    { path: l.netdev, content: netdev },
    { path: l.network, content: network },
  ]
}
