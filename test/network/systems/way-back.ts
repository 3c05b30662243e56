/** The canned hosts of the way back's unit tests: bridged, after the way back, with a guest's tap, with a static route. */
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../../src/facts/network.ts'
import type { HostNetwork } from '../../../src/facts/network.ts'
import type { BridgeWish } from '../../../src/network/wish.ts'

/** The same wish, the other way: the uplink alone. */
export const gone = (w: BridgeWish): BridgeWish => ({ ...w, state: 'absent' })

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
export const bridged = canned('network-bridged.txt')
/** The bridged host after the way back: eth0 carries br0's address and the default route, no br0. */
export const fresh: HostNetwork = {
  ...bridged,
  links: bridged.links.filter((l) => l.name !== 'br0').map((l) => (l.name === 'eth0' ? { ...l, master: undefined, addresses: bridged.links.find((b) => b.name === 'br0')!.addresses } : l)),
  routes: bridged.routes.map((r) => (r.dev === 'br0' ? { ...r, dev: 'eth0' } : r)),
}
export const withTap = (net: HostNetwork): HostNetwork => ({ ...net, links: [...net.links, { name: 'vnet0', mac: 'fe:54:00:12:03:01', up: true, kind: 'tun', master: 'br0', addresses: [], addresses6: [] }] })

/** The bridged host with a static route the port's addresses had, now on br0 (and the zeroconf route the network scripts add). */
export const routed: HostNetwork = {
  ...bridged,
  routes: [...bridged.routes, { dst: '198.51.100.0/24', gateway: '198.19.1.254', dev: 'br0', protocol: 'boot' }, { dst: '169.254.0.0/16', dev: 'br0', metric: 1003 }],
}
