/** Canned facts of networkd hosts for the networkd system's tests: the lab's files, a host before and after the bridge, static and leased. */
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../../../src/facts/network.ts'
import type { HostNetwork } from '../../../../src/facts/network.ts'
import { parseNetworkSystem } from '../../../../src/facts/network-system.ts'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import type { PersistedFile } from '../../../../src/network/system.ts'
import { networkd } from '../../../../src/network/systems/networkd/index.ts'
import { nic } from '../uplinks.ts'

export const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
export const DIR = '/etc/systemd/network'
export const UPLINK = `${DIR}/10-eth0.network`
export const NETDEV = `${DIR}/10-br0.netdev`
export const BRNET = `${DIR}/10-br0.network`
export const MAC = '02:6b:76:13:00:03'

/** As the lab's networkd profile writes it (templates/lab/10-eth0.network.hbs), static and DHCP. */
export const STATIC = '[Match]\nName=eth0\n\n[Network]\nAddress=198.19.3.2/24\nGateway=198.19.3.1\nDNS=198.19.3.1\n'
export const DHCP = '[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n'
/** A lease taken with networkd's default client ID: ff, the IAID (4 bytes), the DUID. */
export const CLIENT_ID = 'ff8d2c4a1b00020000ab11c0ffee00000001'

/** The fact's output for a host where networkd runs with these files, and what it says of each link. */
export function system(files: { path: string; content?: string }[], links: string[] = [`eth0 ${UPLINK} -`]): NetworkSystemFacts {
  return parseNetworkSystem(
    '@@NETPLAN\n@@NETWORKD running\n' + links.map((l) => `@@LINK ${l}\n`).join('') + files.filter((f) => f.content !== undefined).map((f) => `@@FILE ${f.path}\n${f.content}`).join(''),
  )
}
export const facts = (net: HostNetwork, sys: NetworkSystemFacts) => ({ net, system: sys })
export const claims = (f: ReturnType<typeof facts>, device: string, bridge: string) => networkd.claims(f, nic(device, MAC), bridge)
export const byPath = (files: PersistedFile[], path: string) => files.find((f) => f.path === path)?.content

/** The fresh host's network with eth0's address as a lease, and the host route to the router networkd's DHCP client adds. */
export function leased(): HostNetwork {
  const net = canned('network-fresh.txt')
  return {
    ...net,
    links: net.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)),
    routes: [...net.routes, { dst: '198.19.3.1', dev: 'eth0', protocol: 'dhcp', metric: 1024 }],
  }
}

/** The host after the bridge: br0 with eth0's MAC and address, eth0 its port (no guest on it). */
export function bridged(net: HostNetwork): HostNetwork {
  const eth0 = net.links.find((l) => l.name === 'eth0')!
  return {
    ...net,
    links: [...net.links.map((l) => (l.name === 'eth0' ? { ...l, master: 'br0', addresses: [], addresses6: [] } : l)), { name: 'br0', mac: eth0.mac, up: true, kind: 'bridge', addresses: eth0.addresses, addresses6: eth0.addresses6 }],
    routes: net.routes.map((r) => (r.dev === 'eth0' ? { ...r, dev: 'br0' } : r)),
  }
}
