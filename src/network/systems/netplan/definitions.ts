/**
 * netplan's files as kvmplay reads them: the definitions of the uplink (in
 * ethernets, bonds or vlans) and of the bridge, in the order netplan reads
 * the files, with the renderer each gets; and what the bridge carries over
 * from them (name servers, routes other than the default), either way.
 */
import { NETPLAN_DIR } from '../../../facts/network-system.ts'
import type { NetworkSystemFacts } from '../../../facts/network-system.ts'

/** The sections a bridge port can be defined in. */
const PORT_SECTIONS = ['ethernets', 'bonds', 'vlans'] as const

export const netplanPath = (bridge: string) => `${NETPLAN_DIR}/90-kvmplay-${bridge}.yaml`

export type Def = Record<string, unknown>
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export interface Definition {
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
export function globalRenderer(system: NetworkSystemFacts): string | undefined {
  let renderer: string | undefined
  for (const f of system.netplan) {
    const net = isObject(f.config) ? f.config.network : undefined
    if (isObject(net) && typeof net.renderer === 'string') renderer = net.renderer
  }
  return renderer
}

/** Every definition of the device (a port section) or of the bridge, in the order netplan reads the files. */
export function definitions(system: NetworkSystemFacts, device: string, bridge: string): Definition[] {
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

/** How the renderer of the uplink takes the generated configuration, and the profile names it knows them by. */
export function renderer(system: NetworkSystemFacts, device: string, bridge: string): { kind: 'NetworkManager' | 'networkd'; portId: string } {
  const defs = definitions(system, device, bridge)
  const port = defs.find((d) => d.section !== 'bridges')
  const r = port?.renderer ?? defs[0]?.renderer
  return { kind: r === 'NetworkManager' ? 'NetworkManager' : 'networkd', portId: port?.id ?? device }
}

/**
 * What the bridge takes over from the definitions (the port's on the first run, its own
 * on the next) and the uplink takes back on the way back: the first non-empty name
 * servers, and the routes other than the default ones, each once.
 */
export function carriedOver(defs: Def[]): { nameservers?: Record<string, unknown>; extraRoutes: unknown[] } {
  const nameservers = defs.map((d) => d.nameservers).find((n): n is Record<string, unknown> => isObject(n) && Object.keys(n).length > 0)
  const seen = new Set<string>()
  const extraRoutes = defs.flatMap((d) => (Array.isArray(d.routes) ? d.routes : [])).filter((r) => !isDefaultRoute(r)).filter((r) => !seen.has(JSON.stringify(r)) && !!seen.add(JSON.stringify(r)))
  return { nameservers, extraRoutes }
}
