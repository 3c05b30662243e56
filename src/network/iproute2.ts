/** The running host's change as iproute2 commands: from the links and routes as they are to the bridge as wished. */
import { KvmplayError } from '../core/errors.ts'
import { movedRoutes, uplinkOf } from '../facts/network.ts'
import type { Address, HostNetwork, Route } from '../facts/network.ts'
import type { BridgeWish } from './wish.ts'

/**
 * The iproute2 commands (one `ip -batch`) that take the live host from `net`
 * to the wish; none when it is there. Every address the uplink carries moves
 * to the bridge — all IPv4 addresses (the primary first, so it stays
 * primary), the global IPv6 ones — with both default routes, the routes
 * added on the uplink, and the MTU.
 */
export function iproute2Plan(w: BridgeWish, net: HostNetwork): string[] {
  const link = (name: string) => net.links.find((l) => l.name === name)
  const br = link(w.bridge)
  const nic = link(w.uplink.name)!
  const cmds: string[] = []
  if (br && br.kind !== 'bridge') throw new KvmplayError('precondition', `${w.bridge} exists and is a ${br.kind ?? 'plain'} interface, not a bridge`)
  if (!br) cmds.push(`link add ${w.bridge} type bridge stp_state ${w.stp ? 1 : 0} forward_delay ${w.delay * 100}`)
  // The bridge takes the NIC's MAC, as initscripts do: DHCP reservations and ARP caches stay right.
  if (!br || br.mac !== nic.mac) cmds.push(`link set ${w.bridge} address ${nic.mac}`)
  if (!br || !br.up) cmds.push(`link set ${w.bridge} up`)
  if (nic.master !== w.bridge) cmds.push(`link set ${w.uplink.name} master ${w.bridge}`)
  // After the port joined: a bridge's MTU follows its smallest port unless set.
  if (w.mtu !== undefined && br?.mtu !== w.mtu) cmds.push(`link set ${w.bridge} mtu ${w.mtu}`)
  // A leased address moves as it is (the bridge keeps the MAC, so the lease stays good); the system's DHCP client renews it.
  const up = uplinkOf(net, w.bridge)
  const v4 = w.bootproto === 'static' ? w.addresses : up.addresses
  const v6 = [...w.addresses6, ...up.addresses6.filter((a) => a.dynamic)]
  const on = (list: Address[] | undefined, a: Address) => list?.some((x) => x.address === a.address && x.prefix === a.prefix)
  for (const a of v4) if (!on(br?.addresses, a)) cmds.push(`addr add ${a.address}/${a.prefix} dev ${w.bridge}`)
  // nodad: the address is not new on this link, it only moves from the port to the bridge.
  for (const a of v6) if (!on(br?.addresses6, a)) cmds.push(`addr add ${a.address}/${a.prefix} dev ${w.bridge} nodad`)
  // A bridge port carries no address of its own. One flush, not a del per address: deleting a
  // primary address deletes its secondaries with it, and the next del would fail.
  if (nic.addresses.length || nic.addresses6.length) cmds.push(`addr flush dev ${w.uplink.name} scope global`)
  const changed = cmds.length > 0
  const def = net.routes.find((r) => r.dst === 'default')
  if (w.gateway && (changed || def?.dev !== w.bridge || def?.gateway !== w.gateway)) cmds.push(`route replace default via ${w.gateway} dev ${w.bridge}`)
  const def6 = net.routes6.find((r) => r.dst === 'default')
  if (w.gateway6 && (changed || def6?.dev !== w.bridge || def6?.gateway !== w.gateway6)) cmds.push(`route replace default via ${w.gateway6} dev ${w.bridge}`)
  // The port's own routes (a static route to a management network, say) went with its addresses: the bridge carries them now.
  for (const r of movedRoutes(net.routes, w.uplink.name)) cmds.push(routeOn(r, w.bridge))
  return cmds
}

/** The commands as one `ip -batch` (one process). */
export const ipBatch = (cmds: string[]) => `ip -batch - <<'KVMPLAY_IPBATCH'\n${cmds.join('\n')}\nKVMPLAY_IPBATCH`

/** An added route moved to `dev` (an ip -batch command): destination, gateway and metric as they were. */
export const routeOn = (r: Pick<Route, 'dst' | 'gateway' | 'metric'>, dev: string): string => `route replace ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${dev}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`
