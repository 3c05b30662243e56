/**
 * Ubuntu's netplan: the bridge persisted in a netplan file of kvmplay's own,
 * /etc/netplan/90-kvmplay-<bridge>.yaml (0600, templates/netplan/), read
 * after the file that defines the uplink: the uplink joins `bridges:` with
 * its addresses (v4 and v6), default routes, name servers, MAC and MTU, under
 * the renderer that file gave it.
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
 * The running host: `netplan generate` (`apply` and `try` need systemd; `try`
 * refuses bridges with parameters), then the renderer takes the new
 * configuration: NetworkManager reloads its profiles and brings up the
 * bridge's and the port's (netplan-<id>); systemd-networkd reloads.
 */
import { parseDocument } from 'yaml'
import { sh } from '../../core/quote.ts'
import type { NetworkSystem } from '../../facts/network-system.ts'
import { NETPLAN_DIR } from '../../facts/network-system.ts'
import { renderTemplate } from '../../render.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import type { NetworkBackend, PersistedFile } from '../backend.ts'
import { iproute2Plan } from '../iproute2.ts'
import { waitForLink } from './networkd.ts'
import type { BridgeWish } from '../wish.ts'

/** The sections a bridge port can be defined in. */
const PORT_SECTIONS = ['ethernets', 'bonds', 'vlans'] as const
/** What moves from the port's definition to the bridge's. */
const MOVED_KEYS = ['addresses', 'routes', 'gateway4', 'gateway6', 'nameservers'] as const

export const netplanPath = (bridge: string) => `${NETPLAN_DIR}/90-kvmplay-${bridge}.yaml`

type Def = Record<string, unknown>
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

interface Definition {
  path: string
  content: string
  section: string
  /** The netplan ID (what `interfaces:` names), which may differ from the device name (set-name, match). */
  id: string
  def: Def
  renderer?: string
}

/**
 * The renderer netplan gives definitions that name none: the last
 * `network: renderer:` of its files, in the order it reads them — often not
 * the file that defines the uplink (Ubuntu's installer and cloud-init write
 * none; 01-network-manager-all.yaml, as Ubuntu Desktop ships it, sets it for
 * all). Left out everywhere: networkd, netplan's default.
 */
export function globalRenderer(system: NetworkSystem): string | undefined {
  let renderer: string | undefined
  for (const f of system.netplan) {
    const net = isObject(f.config) ? f.config.network : undefined
    if (isObject(net) && typeof net.renderer === 'string') renderer = net.renderer
  }
  return renderer
}

/** Every definition of the device (a port section) or of the bridge, in the order netplan reads the files. */
export function definitions(system: NetworkSystem, device: string, bridge: string): Definition[] {
  const out: Definition[] = []
  const global = globalRenderer(system)
  for (const f of system.netplan) {
    const net = isObject(f.config) ? f.config.network : undefined
    if (!isObject(net)) continue
    for (const section of [...PORT_SECTIONS, 'bridges']) {
      const defs = net[section]
      if (!isObject(defs)) continue
      for (const [id, raw] of Object.entries(defs)) {
        const def: Def = isObject(raw) ? raw : {}
        const match = isObject(def.match) ? def.match : {}
        const named = section === 'bridges' ? id === bridge : id === device || def['set-name'] === device || match.name === device
        if (!named) continue
        // The definition's own, else its section's (netplan takes `renderer` beside the definitions too), else the files' global one.
        const renderer = typeof def.renderer === 'string' ? def.renderer : typeof defs.renderer === 'string' ? defs.renderer : global
        out.push({ path: f.path, content: f.content, section, id, def, renderer })
      }
    }
  }
  return out
}

export const isDefaultRoute = (r: unknown) => isObject(r) && ['default', '0.0.0.0/0', '::/0'].includes(String(r.to))

/** The port's definition without what moves to the bridge; the rest of the file as it was. */
export function withoutAddresses(content: string, section: string, id: string): string {
  const doc = parseDocument(content)
  for (const key of MOVED_KEYS) doc.deleteIn(['network', section, id, key])
  return doc.toString()
}

export function netplanFiles(w: BridgeWish, system: NetworkSystem): PersistedFile[] {
  const own = netplanPath(w.bridge)
  const defs = definitions(system, w.device, w.bridge)
  const ports = defs.filter((d) => d.section !== 'bridges' && d.path !== own)
  const port = ports[0] ?? defs.find((d) => d.section !== 'bridges')
  const bridgeDefs = defs.filter((d) => d.section === 'bridges')
  // What the bridge keeps of the port's definition (first run) or of its own (the next): name servers, routes other than the default, DHCPv6.
  const sources = [...ports, ...bridgeDefs].map((d) => d.def)
  const nameservers = sources.map((d) => d.nameservers).find((n) => isObject(n) && Object.keys(n).length > 0)
  const seen = new Set<string>()
  const extraRoutes = sources.flatMap((d) => (Array.isArray(d.routes) ? d.routes : [])).filter((r) => !isDefaultRoute(r)).filter((r) => !seen.has(JSON.stringify(r)) && !!seen.add(JSON.stringify(r)))
  const dhcp6 = sources.some((d) => d.dhcp6 === true)
  const isStatic = w.bootproto === 'static'
  const routes = [
    ...(isStatic && w.gateway ? [{ to: 'default', via: w.gateway }] : []),
    ...(w.gateway6 ? [{ to: 'default', via: w.gateway6 }] : []),
    ...extraRoutes,
  ]
  const renderer = port?.renderer ?? bridgeDefs[0]?.renderer
  const content = renderTemplate('netplan/bridge.yaml.hbs', {
    bridge: w.bridge,
    device: w.device,
    origin: ports.map((d) => d.path).join(', ') || 'no other file',
    renderer: renderer ?? '',
    section: port?.section ?? 'ethernets',
    id: port?.id ?? w.device,
    hwaddr: w.hwaddr,
    mtu: w.mtu ?? '',
    dhcp4: !isStatic,
    dhcp6,
    addresses: [...w.addresses, ...w.addresses6].map((a) => `${a.address}/${a.prefix}`),
    routes: routes.map((r) => JSON.stringify(r)),
    nameservers: nameservers ? JSON.stringify(nameservers) : '',
    stp: w.stp,
    delay: w.delay,
  })
  const rewritten = [...new Set(ports.map((d) => d.path))].map((path) => {
    let text = ports.find((d) => d.path === path)!.content
    for (const d of ports.filter((x) => x.path === path)) text = withoutAddresses(text, d.section, d.id)
    return { path, content: text }
  })
  return [...rewritten, { path: own, content, mode: '0600' }]
}

/** How the renderer of the uplink takes the generated configuration, and the profile names it knows them by. */
export function renderer(w: BridgeWish, system: NetworkSystem): { kind: 'NetworkManager' | 'networkd'; portId: string } {
  const defs = definitions(system, w.device, w.bridge)
  const port = defs.find((d) => d.section !== 'bridges')
  const r = port?.renderer ?? defs[0]?.renderer
  return { kind: r === 'NetworkManager' ? 'NetworkManager' : 'networkd', portId: port?.id ?? w.device }
}

export const netplanBackend: NetworkBackend = {
  name: 'netplan',
  detect: ({ system }, device, bridge) => {
    const d = definitions(system, device, bridge)[0]
    return d ? `netplan defines ${d.id} (${d.section}) in ${d.path}` : undefined
  },
  persist: (w, { system }) => netplanFiles(w, system),
  planRuntime: (w, { net, system }) => {
    // As wished when iproute2 would have nothing to do: the port in the bridge, every address and route on it, none on the port.
    if (iproute2Plan(w, net).length === 0) return undefined
    const r = renderer(w, system)
    const apply =
      r.kind === 'NetworkManager'
        ? // netplan writes NetworkManager's keyfiles to /run/NetworkManager/system-connections; the port's profile is up
          // on the old definition until it is brought up again, which takes the address off it and into the bridge.
          sh`netplan generate && nmcli connection reload && nmcli connection up ${`netplan-${w.bridge}`} && nmcli connection up ${`netplan-${r.portId}`}`
        : // systemd-networkd (Ubuntu Server's): netplan renders the bridge into /run/systemd/network; reload creates it
          // from its .netdev (with the MAC kvmplay's file gives it) and reconfigures eth0 as its port; then both, once it exists.
          ['set -e', 'netplan generate', 'networkctl reload', waitForLink(w.bridge), sh`networkctl reconfigure ${w.device} ${w.bridge}`].join('\n')
    return { apply, describe: r.kind === 'NetworkManager' ? apply : sh`netplan generate; networkctl reload; networkctl reconfigure ${w.device} ${w.bridge}`, links: [w.bridge, w.device] }
  },
  restore: (change, { net, system }, files) => {
    const snapshot = snapshotOf(net, change.links)
    const bridge = change.links[0]
    const device = change.links[1] ?? bridge
    const w = { device, bridge } as BridgeWish
    const r = renderer(w, system)
    // The files first, so netplan renders the old configuration again.
    const filesBack = restoreScript({ links: [] }, files).replace(/\n$/, '')
    const links = [restoreScript(snapshot, []).replace(/\n$/, '').replace(/^# .*\nset \+e\n/, '')].join('\n')
    const script =
      r.kind === 'NetworkManager'
        ? [
            filesBack,
            'netplan generate',
            'nmcli connection reload',
            // NetworkManager puts the old profile back on the device (its routes as before, same metric); ip only if it cannot.
            sh`if nmcli connection up ${`netplan-${r.portId}`}; then ip link del ${bridge} 2>/dev/null || true; else`,
            links,
            'fi',
          ]
        : // networkd: the bridge goes with ip (links: networkd never deletes a netdev), then networkd takes the uplink back.
          [filesBack, 'netplan generate', links, 'networkctl reload', sh`networkctl reconfigure ${device}`, 'true']
    return { script: script.join('\n') + '\n', describe: `${describeSnapshot(snapshot, files)}; netplan generate${r.kind === 'NetworkManager' ? ', nmcli connection reload and up' : ''}` }
  },
}

