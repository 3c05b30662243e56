/**
 * The keyfiles that persist the wish: with the bridge (present), a bridge
 * profile carrying the host's addresses and the uplink's own profile
 * rewritten in place as its port, so nothing else competes for the device;
 * without it (absent), the bridge's keyfile removed and the port's profile —
 * same file, same uuid — the uplink's plain profile again, carrying the
 * addresses, gateways and name servers the bridge had.
 */
import { KvmplayError } from '../../../core/errors.ts'
import { NETWORK_SCRIPTS } from '../../../facts/ifcfg.ts'
import { renderTemplate } from '../../../render.ts'
import type { NetworkFacts, PersistedFile } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { bridgeProfile, isIfcfg, isNetplans, portProfile, profilesOf, uplinkProfile } from './profiles.ts'
import { NM_TEMPLATES } from './templates.ts'

/** The static routes as keyfile values (route1=…): NetworkManager wants a prefix on each destination. */
export const keyfileRoutes = (w: BridgeWish): string[] => w.routes.map((r) => `${r.dst.includes('/') ? r.dst : `${r.dst}/32`}${r.gateway ? `,${r.gateway}` : ''}`)

/** 2001:db8::2/64 → addresses joined as keyfiles list them; the gateway rides on the first. */
const addressList = (as: { address: string; prefix: number }[], gateway?: string) => as.map((a, i) => `${a.address}/${a.prefix}${i === 0 && gateway ? `,${gateway}` : ''}`)
const dnsList = (servers: string[]) => (servers.length ? servers.map((s) => `${s};`).join('') : '')

/**
 * IPv6 as the uplink had it, from the kernel's view: its configured global
 * addresses (manual); leases or autoconfigured ones (auto); none at all:
 * disabled, so a new bridge does not start soliciting routers the uplink never
 * asked for (kvmplay cannot tell NetworkManager's 'ignore' from 'disabled' in
 * the kernel's state; both leave such a host without global IPv6).
 */
export function ipv6Method(w: BridgeWish, facts: NetworkFacts): 'manual' | 'auto' | 'disabled' {
  if (w.addresses6.length) return 'manual'
  const holder = facts.net.links.find((l) => l.name === w.bridge && l.addresses6.length) ?? facts.net.links.find((l) => l.name === w.uplink.name)
  return holder?.addresses6.some((a) => a.dynamic) ? 'auto' : 'disabled'
}

/** The addressing of whichever profile carries the host's addresses: the bridge's, or the uplink's alone. */
function addressing(w: BridgeWish, facts: NetworkFacts) {
  const isStatic = w.bootproto === 'static'
  const v6 = ipv6Method(w, facts)
  return {
    ipv4Method: isStatic ? 'manual' : 'auto',
    addresses: isStatic ? addressList(w.addresses, w.gateway) : [],
    // A lease brings its own name servers.
    dns4: isStatic ? dnsList(w.dns.filter((d) => !d.includes(':'))) : '',
    // The keyfile's routeN=DEST/PREFIX[,GATEWAY].
    routes: keyfileRoutes(w),
    ipv6Method: v6,
    addresses6: v6 === 'manual' ? addressList(w.addresses6, w.gateway6) : [],
    dns6: v6 === 'manual' ? dnsList(w.dns.filter((d) => d.includes(':'))) : '',
  }
}

/** The uplink's own section values: a VLAN keeps its [vlan] section. */
const uplinkType = (w: BridgeWish) => (w.uplink.kind === 'vlan' ? { type: 'vlan', vlan: { id: w.uplink.id, parent: w.uplink.parent } } : { type: 'ethernet', vlan: false as const })

/** The keyfiles of the bridge and its port, and the files they replace (to be absent). */
function bridgeKeyfiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  // NetworkManager takes a forwarding delay of 2 to 30 s; without STP the kernel forwards at once whatever it is, so it is left out.
  if (w.stp && w.delay < 2) throw new KvmplayError('precondition', `NetworkManager takes a bridge forwarding delay of 2 to 30 s with STP on, not ${w.delay}: give delay, or stp: false; nothing was changed`)
  const device = w.uplink.name
  const br = bridgeProfile(w, facts)
  const port = portProfile(w, facts)
  const bridge = renderTemplate(NM_TEMPLATES.bridge, {
    id: br.id,
    uuid: br.uuid,
    bridge: w.bridge,
    device,
    hwaddr: w.hwaddr,
    mtu: w.mtu ?? false,
    stp: w.stp ? 'true' : 'false',
    forwardDelay: w.stp ? w.delay : false,
    ...addressing(w, facts),
  })
  const portFile = renderTemplate(NM_TEMPLATES.port, { id: port.id, uuid: port.uuid, bridge: w.bridge, device, ...uplinkType(w), mtu: w.mtu ?? false })
  const files: PersistedFile[] = [
    { path: br.path, content: bridge, mode: '0600' },
    { path: port.path, content: portFile, mode: '0600' },
  ]
  // NetworkManager reads ifcfg files where its ifcfg-rh plugin is loaded (RHEL 8, 9): there the
  // bridge's and the uplink's go, replaced by the keyfiles, as RHEL 9 writes new profiles.
  const readsIfcfg = profilesOf(facts).some(isIfcfg)
  const gone = [...(readsIfcfg ? [`${NETWORK_SCRIPTS}/ifcfg-${device}`, `${NETWORK_SCRIPTS}/ifcfg-${w.bridge}`] : []), ...(port.replaces && !isNetplans({ filename: port.replaces }) ? [port.replaces] : [])]
  for (const path of new Set(gone)) if (!files.some((f) => f.path === path)) files.push({ path })
  return files
}

/** The bridge's keyfile gone, the uplink's profile alone again. */
function uplinkKeyfiles(w: BridgeWish, facts: NetworkFacts): PersistedFile[] {
  const up = uplinkProfile(w, facts)
  const content = renderTemplate(NM_TEMPLATES.uplink, {
    id: up.id,
    uuid: up.uuid,
    bridge: w.bridge,
    device: w.uplink.name,
    ...uplinkType(w),
    hwaddr: w.hwaddr,
    mtu: w.mtu ?? false,
    ...addressing(w, facts),
  })
  return [{ path: bridgeProfile(w, facts).path }, { path: up.path, content, mode: '0600' }]
}

export const networkManagerFiles = (w: BridgeWish, facts: NetworkFacts): PersistedFile[] => (w.state === 'present' ? bridgeKeyfiles(w, facts) : uplinkKeyfiles(w, facts))
