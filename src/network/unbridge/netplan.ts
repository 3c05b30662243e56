/**
 * The way back on netplan hosts: kvmplay's own file for the bridge
 * (/etc/netplan/90-kvmplay-<bridge>.yaml) removed, and the uplink's
 * definition in its own file given back what the migration moved to the
 * bridge — addresses, the default routes (and the bridge's other routes),
 * name servers — everything else in that file kept as it is. Removing
 * kvmplay's file also drops its `dhcp4: false` override, so a leased uplink
 * leases again.
 *
 * The running host: `netplan generate`, then the renderer takes it —
 * NetworkManager reloads (netplan-<bridge> goes, br0 with it) and brings the
 * uplink's profile up; the bridge deleted where it is left. The rollback puts
 * the files back, renders them again and brings the bridge's and the port's
 * profiles up, else restores the links with ip.
 */
import { parseDocument } from 'yaml'
import { sh } from '../../core/quote.ts'
import type { NetworkSystem } from '../../facts/network-system.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import { definitions, isDefaultRoute, isObject, netplanPath, renderer } from '../backends/netplan.ts'
import type { PersistedFile } from '../backend.ts'
import type { BridgeWish } from '../wish.ts'
import type { Unbridger } from './types.ts'
import { refuseWhileOtherPorts, unbridgePlan } from './iproute2.ts'

export function netplanUplinkFiles(w: BridgeWish, system: NetworkSystem): PersistedFile[] {
  const own = netplanPath(w.bridge)
  const defs = definitions(system, w.device, w.bridge)
  const ports = defs.filter((d) => d.section !== 'bridges' && d.path !== own)
  const bridges = defs.filter((d) => d.section === 'bridges')
  // What the uplink gets back: from the bridge's definition (the migration moved it there), else what it keeps of its own.
  const sources = [...bridges, ...ports].map((d) => d.def)
  const nameservers = sources.map((d) => d.nameservers).find((n) => isObject(n) && Object.keys(n).length > 0)
  const seen = new Set<string>()
  const extraRoutes = sources.flatMap((d) => (Array.isArray(d.routes) ? d.routes : [])).filter((r) => !isDefaultRoute(r)).filter((r) => !seen.has(JSON.stringify(r)) && !!seen.add(JSON.stringify(r)))
  const isStatic = w.bootproto === 'static'
  const addresses = isStatic ? [...w.addresses, ...w.addresses6].map((a) => `${a.address}/${a.prefix}`) : w.addresses6.map((a) => `${a.address}/${a.prefix}`)
  const routes = [...(isStatic && w.gateway ? [{ to: 'default', via: w.gateway }] : []), ...(w.gateway6 ? [{ to: 'default', via: w.gateway6 }] : []), ...extraRoutes]
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
  return [...rewritten, { path: own }]
}

export const netplanUnbridger: Unbridger = {
  name: 'netplan',
  persist: (w, { system }) => netplanUplinkFiles(w, system),
  planRuntime: (w, { net, system }) => {
    if (unbridgePlan(w, net).length === 0) return undefined
    if (net.links.some((l) => l.name === w.bridge)) refuseWhileOtherPorts(w, net)
    const r = renderer(w, system)
    const apply =
      r.kind === 'NetworkManager'
        ? sh`netplan generate && nmcli connection reload && nmcli connection up ${`netplan-${r.portId}`} && { ! ip link show ${w.bridge} >/dev/null 2>&1 || ip link del ${w.bridge}; }`
        : // systemd-networkd: neither `netplan apply` nor networkd deletes a bridge that left the configuration: ip does,
          // before networkd reads the new rendering and gives the uplink its addresses (or its lease) again.
          ['set -e', 'netplan generate', sh`! ip link show ${w.bridge} >/dev/null 2>&1 || ip link del ${w.bridge}`, 'networkctl reload', sh`networkctl reconfigure ${w.device}`].join('\n')
    return { apply, describe: r.kind === 'NetworkManager' ? apply : sh`netplan generate; ip link del ${w.bridge}; networkctl reload; networkctl reconfigure ${w.device}`, links: [w.bridge, w.device] }
  },
  restore: (change, { net, system }, files) => {
    const [bridge, device] = change.links
    const snapshot = snapshotOf(net, change.links)
    const r = renderer({ device, bridge } as BridgeWish, system)
    const filesBack = restoreScript({ links: [] }, files).replace(/\n$/, '')
    const links = restoreScript(snapshot, []).replace(/\n$/, '').replace(/^# .*\nset \+e\n/, '')
    const script =
      r.kind === 'NetworkManager'
        ? [filesBack, 'netplan generate', 'nmcli connection reload', sh`if nmcli connection up ${`netplan-${bridge}`} && nmcli connection up ${`netplan-${r.portId}`}; then :; else`, links, 'fi']
        : [filesBack, 'netplan generate', links, 'networkctl reload', sh`networkctl reconfigure ${device} ${bridge}`, 'true']
    return { script: script.join('\n') + '\n', describe: `${describeSnapshot(snapshot, files)}; netplan generate${r.kind === 'NetworkManager' ? ', nmcli connection reload and up' : ''}` }
  },
}
