/**
 * The seed's backend: the bridge persisted as ifcfg files in
 * /etc/sysconfig/network-scripts — ifcfg-br0 (TYPE=Bridge, the host's
 * address), ifcfg-<nic> (BRIDGE=br0, HWADDR), route-br0 (its static routes) — and the running host
 * changed with the tool that runs there: NetworkManager (nmcli), the
 * network scripts (ifdown/ifup), else iproute2 (one `ip -batch`, the lab's
 * case). The rollback puts the links, addresses and default route back
 * with iproute2, and the files as they were.
 */
import { sh } from '../../core/quote.ts'
import { NETWORK_SCRIPTS } from '../../facts/ifcfg.ts'
import { renderTemplate } from '../../render.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import type { NetworkBackend, PersistedFile } from '../backend.ts'
import { ipBatch, iproute2Plan } from '../iproute2.ts'
import type { BridgeWish } from '../wish.ts'

const cidr = (a: { address: string; prefix: number }) => `${a.address}/${a.prefix}`

/** The templates' values (templates/ifcfg/): the bridge's, the port's, and the uplink's alone on the way back. */
export function ifcfgVars(w: BridgeWish) {
  const yn = (b: boolean) => (b ? 'yes' : 'no')
  return {
    ...w,
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

/**
 * route-<dev>: the static routes the device's addresses had, where ifup-routes reads them when
 * it brings `dev` up (one `ip route add` line each). None: no file — an existing one is left.
 */
export function routeFile(w: BridgeWish, dev: string): (PersistedFile & { content: string })[] {
  return w.routes.length ? [{ path: `${NETWORK_SCRIPTS}/route-${dev}`, content: renderTemplate('ifcfg/route.hbs', { ...w, dev }) }] : []
}

/**
 * The bridge's files, rendered from templates/ifcfg/: ifcfg-<bridge>, ifcfg-<port>, and
 * route-<bridge> with the port's static routes (a bridge port's route-<port> is never read:
 * ifup-eth ends before ifup-routes for a BRIDGE= device; it is left for the way back).
 */
export function ifcfgFiles(w: BridgeWish): (PersistedFile & { content: string })[] {
  const vars = ifcfgVars(w)
  return [
    { path: `${NETWORK_SCRIPTS}/ifcfg-${w.bridge}`, content: renderTemplate('ifcfg/bridge.hbs', vars) },
    { path: `${NETWORK_SCRIPTS}/ifcfg-${w.device}`, content: renderTemplate('ifcfg/port.hbs', vars) },
    ...routeFile(w, w.bridge),
  ]
}

export const ifcfgBackend: NetworkBackend = {
  name: 'ifcfg',
  // Also the hosts with no network system at all: iproute2 changes them, and the ifcfg files are kept as the seed's.
  fallback: true,
  detect: ({ system }) => (system.networkScripts ? 'the network scripts run here' : undefined),
  persist: (w) => ifcfgFiles(w),
  planRuntime: (w, { net }) => {
    const cmds = iproute2Plan(w, net)
    if (cmds.length === 0) return undefined
    const apply =
      net.backend === 'iproute2'
        ? ipBatch(cmds)
        : net.backend === 'networkmanager'
          ? sh`nmcli connection reload && nmcli connection up ${w.bridge} && nmcli connection up ${w.device}`
          : sh`ifdown ${w.device}; ifup ${w.bridge} && ifup ${w.device}`
    return { apply, describe: net.backend === 'iproute2' ? cmds.join('; ') : apply, links: [w.bridge, w.device] }
  },
  restore: (change, { net }, files) => {
    const snapshot = snapshotOf(net, change.links)
    return { script: restoreScript(snapshot, files), describe: describeSnapshot(snapshot, files) }
  },
}
