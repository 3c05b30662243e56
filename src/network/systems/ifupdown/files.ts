/**
 * Debian's ifupdown files for the wish: the file that holds the uplink's
 * stanza (usually /etc/network/interfaces, which `ifup -a` reads at boot)
 * rewritten (stanzas.ts). With the bridge (present), the uplink's stanzas
 * become `iface <device> inet manual` and the bridge's follow
 * (templates/ifupdown/bridge.hbs): the addresses, `bridge_ports` and the
 * other options of bridge-utils' hooks, the uplink's MAC; every further IPv4
 * address is a stanza of its own (ifupdown 0.8 applies every `iface br0 inet
 * static` stanza in turn). Without it (absent), the uplink's own stanza back
 * in their place (templates/ifupdown/uplink.hbs) — `iface <device> inet
 * static` with its addresses, gateway and the dns-* lines the bridge carried,
 * `auto <device>` where no line brings it up — so a file kvmplay bridged
 * comes back as the lab (or the installer) wrote it.
 */
import { INTERFACES } from '../../../facts/network-system.ts'
import type { PersistedNetworkFile } from '../../../facts/network-system.ts'
import { renderTemplate } from '../../../render.ts'
import type { NetworkFacts, PersistedFile } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { addressingContext, carriedOver, definingFiles, marker, parseStanzas, rewriteInterfaces, upRoutes } from './stanzas.ts'
import { IFUPDOWN_TEMPLATES } from './templates.ts'

const AUTO = /^\s*(auto|allow-[\w-]+)\s+(.*?)\s*$/

/** Whether some `auto` or `allow-*` line brings `iface` up (then the uplink's stanza needs none of its own). */
const broughtUp = (content: string, iface: string) => content.split('\n').some((l) => AUTO.exec(l)?.[2].split(/\s+/).includes(iface) ?? false)

/** The templates an interfaces(5) system renders its stanzas from: ifupdown's, or ifupdown2's (the same values, its own syntax). */
export interface StanzaTemplates {
  bridge: string
  uplink: string
}

/** The bridge's stanzas (and the device's manual one). */
function bridgeStanzas(w: BridgeWish, files: PersistedNetworkFile[], template: string): string {
  return renderTemplate(template, {
    ...addressingContext(w, carriedOver(files, w)),
    device: w.uplink.name,
    bridge: w.bridge,
    marker: marker(w),
    stp: w.stp ? 'on' : 'off',
    delay: w.delay,
    hwaddr: w.hwaddr,
    routes: upRoutes(w, w.bridge),
  })
}

/** The uplink's stanzas, with an `auto` line of its own where nothing else brings it up. */
function uplinkStanzas(w: BridgeWish, files: PersistedNetworkFile[], template: string): string {
  const auto = !files.some((x) => broughtUp(rewriteInterfaces(x.content, w), w.uplink.name))
  return renderTemplate(template, { ...addressingContext(w, carriedOver(files, w)), auto, device: w.uplink.name, routes: upRoutes(w, w.uplink.name) })
}

/** The interfaces(5) files for the wish, the block rendered from `templates`: ifupdown's (below) and ifupdown2's. */
export function interfacesFiles(w: BridgeWish, files: PersistedNetworkFile[], templates: StanzaTemplates): PersistedFile[] {
  const defining = definingFiles(files, w)
  const block = w.state === 'present' ? bridgeStanzas(w, files, templates.bridge) : uplinkStanzas(w, files, templates.uplink)
  // The block goes where the device was defined (else where the bridge is); other files only lose their stanzas.
  const home =
    defining.find((f) => parseStanzas(f.content).some((s) => s.iface === w.uplink.name)) ?? defining[0] ?? files.find((f) => f.path === INTERFACES) ?? { path: INTERFACES, content: '' }
  const targets = defining.includes(home) ? defining : [home, ...defining]
  return targets.map((f) => ({ path: f.path, content: rewriteInterfaces(f.content, w, f === home ? block : undefined) }))
}

export const ifupdownFiles = (w: BridgeWish, { system }: NetworkFacts): PersistedFile[] => interfacesFiles(w, system.ifupdown ?? [], IFUPDOWN_TEMPLATES)
