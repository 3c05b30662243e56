/**
 * netplan's files for the wish. With the bridge (present): a netplan file of
 * kvmplay's own, /etc/netplan/90-kvmplay-<bridge>.yaml (0600,
 * templates/netplan/), read after the file that defines the uplink: the
 * uplink joins `bridges:` with its addresses (v4 and v6), default routes,
 * name servers, MAC and MTU, under the renderer that file gave it.
 *
 * netplan merges its files in lexicographical order: scalars of later files
 * override, mappings merge, **sequences are concatenated** (netplan-generate(8),
 * "Handling multiple files"; checked with `netplan generate --root-dir` on
 * 0.106: `addresses: []` in a later file leaves the earlier addresses on the
 * port). So kvmplay's file cannot take the uplink's addresses away: the file
 * that defines the uplink is rewritten too, its definition without
 * addresses, routes, gateway4/6 and name servers (they move to the bridge),
 * everything else (match, set-name, other interfaces, comments) kept. Its
 * dhcp4/dhcp6 are overridden to false in kvmplay's file (scalars do override).
 *
 * Without it (absent): kvmplay's file removed, and the uplink's definition in
 * its own file given back what the migration moved to the bridge —
 * addresses, the default routes (and the bridge's other routes), name
 * servers — everything else in that file kept as it is. Removing kvmplay's
 * file also drops its `dhcp4: false` override, so a leased uplink leases again.
 */
import { parseDocument } from 'yaml'
import { renderTemplate } from '../../../render.ts'
import type { NetworkFacts, PersistedFile } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { carriedOver, definitions, netplanPath } from './definitions.ts'
import type { Definition } from './definitions.ts'
import { NETPLAN_TEMPLATES } from './templates.ts'

/** What moves from the port's definition to the bridge's. */
const MOVED_KEYS = ['addresses', 'routes', 'gateway4', 'gateway6', 'nameservers'] as const

/** The port's definition without what moves to the bridge; the rest of the file as it was. */
export function withoutAddresses(content: string, section: string, id: string): string {
  const doc = parseDocument(content)
  for (const key of MOVED_KEYS) doc.deleteIn(['network', section, id, key])
  return doc.toString()
}

/** The uplink's definitions in other files than kvmplay's, and the bridge's. */
function split(w: BridgeWish, facts: NetworkFacts): { ports: Definition[]; bridges: Definition[]; all: Definition[] } {
  const all = definitions(facts.system, w.uplink.name, w.bridge)
  return { all, ports: all.filter((d) => d.section !== 'bridges' && d.path !== netplanPath(w.bridge)), bridges: all.filter((d) => d.section === 'bridges') }
}

/** The default routes of the wish, then the other routes carried over. */
const routesOf = (w: BridgeWish, extraRoutes: unknown[]) => [
  ...(w.bootproto === 'static' && w.gateway ? [{ to: 'default', via: w.gateway }] : []),
  ...(w.gateway6 ? [{ to: 'default', via: w.gateway6 }] : []),
  ...extraRoutes,
]

function bridgeFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const { ports, bridges, all } = split(w, facts)
  const port = ports[0] ?? all.find((d) => d.section !== 'bridges')
  // What the bridge keeps of the port's definition (first run) or of its own (the next): name servers, routes other than the default, DHCPv6.
  const sources = [...ports, ...bridges].map((d) => d.def)
  const { nameservers, extraRoutes } = carriedOver(sources)
  const renderer = port?.renderer ?? bridges[0]?.renderer
  const content = renderTemplate(NETPLAN_TEMPLATES.bridge, {
    bridge: w.bridge,
    device: w.uplink.name,
    origin: ports.map((d) => d.path).join(', ') || 'no other file',
    renderer: renderer ?? '',
    section: port?.section ?? 'ethernets',
    id: port?.id ?? w.uplink.name,
    hwaddr: w.hwaddr,
    mtu: w.mtu ?? '',
    dhcp4: w.bootproto !== 'static',
    dhcp6: sources.some((d) => d.dhcp6 === true),
    addresses: [...w.addresses, ...w.addresses6].map((a) => `${a.address}/${a.prefix}`),
    routes: routesOf(w, extraRoutes).map((r) => JSON.stringify(r)),
    nameservers: nameservers ? JSON.stringify(nameservers) : '',
    stp: w.stp,
    delay: w.delay,
  })
  const rewritten = [...new Set(ports.map((d) => d.path))].map((path) => {
    let text = ports.find((d) => d.path === path)!.content
    for (const d of ports.filter((x) => x.path === path)) text = withoutAddresses(text, d.section, d.id)
    return { path, content: text }
  })
  return [...rewritten, { path: netplanPath(w.bridge), content, mode: '0600' }]
}

function uplinkFiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const { ports, bridges } = split(w, facts)
  // What the uplink gets back: from the bridge's definition (the migration moved it there), else what it keeps of its own.
  const { nameservers, extraRoutes } = carriedOver([...bridges, ...ports].map((d) => d.def))
  const isStatic = w.bootproto === 'static'
  const addresses = (isStatic ? [...w.addresses, ...w.addresses6] : w.addresses6).map((a) => `${a.address}/${a.prefix}`)
  const routes = routesOf(w, extraRoutes)
  const paths = [...new Set(ports.map((d) => d.path))]
  const rewritten = paths.map((path, i) => {
    const doc = parseDocument(ports.find((d) => d.path === path)!.content)
    // The first file that defines the uplink gets the addressing back (netplan would concatenate lists across files).
    if (i === 0) {
      const port = ports.find((d) => d.path === path)!
      const at = (key: string) => ['network', port.section, port.id, key]
      if ((port.def.dhcp4 ?? false) !== !isStatic) doc.setIn(at('dhcp4'), !isStatic)
      for (const [key, value] of [['addresses', addresses], ['routes', routes]] as const) {
        if (value.length) doc.setIn(at(key), doc.createNode(value))
        else doc.deleteIn(at(key))
      }
      if (nameservers) doc.setIn(at('nameservers'), doc.createNode(nameservers))
    }
    return { path, content: doc.toString() }
  })
  return [...rewritten, { path: netplanPath(w.bridge) }]
}

export const netplanFiles = (w: BridgeWish, facts: NetworkFacts): PersistedFile[] => (w.state === 'present' ? bridgeFiles(w, facts) : uplinkFiles(w, facts))
