/**
 * systemd-networkd (Debian minimal, Arch, Flatcar, mkosi images): the bridge
 * in networkd's own files in /etc/systemd/network (files.ts: a .netdev with
 * the uplink's MAC, a .network with the uplink's addressing, the uplink's
 * .network a port), applied by `networkctl reload` and `reconfigure`
 * (runtime.ts). It keeps the uplink where networkd runs in the host's network
 * namespace (or is enabled) and applies a file of /etc/systemd/network to the
 * uplink or the bridge. netplan's rendering in /run/systemd/network is
 * netplan's: its system claims such a host from /etc/netplan.
 */
import type { NetworkSystem } from '../../system.ts'
import { appliedFile, networkdFiles } from './files.ts'
import { planRuntime, restore } from './runtime.ts'
import { NETWORKD_TEMPLATES } from './templates.ts'

export const networkd: NetworkSystem<'networkd'> = {
  name: 'networkd',
  title: 'systemd-networkd',
  // A bond's or a VLAN's .netdev and .network hold what makes it one; the port rewrite keeps [Match]/[Link] only: NICs for now.
  uplinks: ['nic'],
  templates: NETWORKD_TEMPLATES,
  claims: ({ net, system }, uplink, bridge) => {
    const nd = system.networkd
    if (!nd) return undefined
    for (const name of [uplink.name, bridge]) {
      const link = net.links.find((l) => l.name === name)
      const f = appliedFile(nd, link ?? { name, mac: name === uplink.name ? uplink.mac : undefined })
      if (f) return `systemd-networkd (${nd.state}) applies ${f.path} to ${name}`
    }
    return undefined
  },
  found: ({ system }, uplink) => {
    const nd = system.networkd
    if (!nd) return undefined
    const applied = nd.links.find((l) => l.name === uplink.name)?.networkFile
    return applied
      ? `systemd-networkd (${nd.state}) applies ${applied} to ${uplink.name}, which is not in /etc/systemd/network`
      : `systemd-networkd (${nd.state}) applies no .network of /etc/systemd/network to ${uplink.name}`
  },
  persist: networkdFiles,
  planRuntime,
  restore,
}
