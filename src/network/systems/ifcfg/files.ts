/**
 * The seed's files in /etc/sysconfig/network-scripts. With the bridge
 * (present): ifcfg-<bridge> (TYPE=Bridge, the host's address), ifcfg-<nic>
 * (BRIDGE=, HWADDR), route-<bridge> (its static routes). Without it (absent):
 * ifcfg-<bridge> and route-<bridge> removed, ifcfg-<nic> the uplink's own
 * again with its addresses, route-<nic> with the static routes.
 */
import { NETWORK_SCRIPTS } from '../../../facts/ifcfg.ts'
import { renderTemplate } from '../../../render.ts'
import type { PersistedFile } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'
import { IFCFG_TEMPLATES } from './templates.ts'

const cidr = (a: { address: string; prefix: number }) => `${a.address}/${a.prefix}`

/** The templates' values: the bridge's, the port's, and the uplink's alone on the way back. */
export function ifcfgVars(w: BridgeWish) {
  const yn = (b: boolean) => (b ? 'yes' : 'no')
  return {
    ...w,
    device: w.uplink.name,
    static: w.bootproto === 'static',
    bootproto: w.bootproto === 'static' ? 'none' : 'dhcp',
    onboot: 'yes',
    nmControlled: yn(w.nmControlled),
    stp: yn(w.stp),
    gateway: w.gateway ?? '',
    gateway6: w.gateway6 ?? '',
    mtu: w.mtu ?? '',
    // ifcfg numbers further IPv4 addresses IPADDR1, PREFIX1…; IPv6 ones go in one list.
    secondaries: w.addresses.slice(1),
    ipv6: w.addresses6.length
      ? { primary: cidr(w.addresses6[0]), secondaries: w.addresses6.slice(1).map(cidr).join(' ') }
      : undefined,
  }
}

const ifcfgPath = (dev: string) => `${NETWORK_SCRIPTS}/ifcfg-${dev}`
const routePath = (dev: string) => `${NETWORK_SCRIPTS}/route-${dev}`

/**
 * route-<dev>: the static routes the device's addresses had, where ifup-routes reads them when
 * it brings `dev` up (one `ip route add` line each). None: no file — an existing one is left.
 */
function routeFile(w: BridgeWish, dev: string): (PersistedFile & { content: string })[] {
  return w.routes.length ? [{ path: routePath(dev), content: renderTemplate(IFCFG_TEMPLATES.route, { ...w, device: w.uplink.name, dev }) }] : []
}

/**
 * The bridge's files: ifcfg-<bridge>, ifcfg-<port>, and route-<bridge> with the port's static
 * routes (a bridge port's route-<port> is never read: ifup-eth ends before ifup-routes for a
 * BRIDGE= device; it is left for the way back).
 */
function bridgeFiles(w: BridgeWish): PersistedFile[] {
  const vars = ifcfgVars(w)
  return [
    { path: ifcfgPath(w.bridge), content: renderTemplate(IFCFG_TEMPLATES.bridge, vars) },
    { path: ifcfgPath(w.uplink.name), content: renderTemplate(IFCFG_TEMPLATES.port, vars) },
    ...routeFile(w, w.bridge),
  ]
}

function uplinkFiles(w: BridgeWish): PersistedFile[] {
  return [
    { path: ifcfgPath(w.bridge) },
    { path: routePath(w.bridge) },
    { path: ifcfgPath(w.uplink.name), content: renderTemplate(IFCFG_TEMPLATES.uplink, ifcfgVars(w)) },
    // The bridge's static routes go back with the addresses: ifup <device> adds them again.
    ...routeFile(w, w.uplink.name),
  ]
}

export const ifcfgFiles = (w: BridgeWish): PersistedFile[] => (w.state === 'present' ? bridgeFiles(w) : uplinkFiles(w))
