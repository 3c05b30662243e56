/**
 * The way back's change to the running host as iproute2 commands: from the
 * bridge over the uplink to the uplink alone — every address and both
 * default routes back on the device, the bridge deleted. The reverse of
 * ./iproute2.ts, from the same wish (bridgeWish reads the same values
 * before and after the bridge exists).
 */
import { KvmplayError } from '../core/errors.ts'
import { movedRoutes, uplinkOf } from '../facts/network.ts'
import { routeOn } from './iproute2.ts'
import type { Address, HostNetwork } from '../facts/network.ts'
import type { BridgeWish } from './wish.ts'

/**
 * The bridge's ports other than the uplink (guests' taps, other NICs): the
 * bridge cannot go while they are in it — they would lose their link.
 */
export function otherPorts(w: BridgeWish, net: HostNetwork): string[] {
  return net.links.filter((l) => l.master === w.bridge && l.name !== w.uplink.name).map((l) => l.name)
}

/** Refuses, naming them, while anything but the uplink is a port of the bridge. */
export function refuseWhileOtherPorts(w: BridgeWish, net: HostNetwork): void {
  const others = otherPorts(w, net)
  if (others.length) {
    throw new KvmplayError('precondition', `${w.bridge} still has ports other than ${w.uplink.name} (${others.join(', ')}): move the guests off it first (editDomainInterface); nothing was changed`)
  }
}

/** Whether the running host is unbridged as wished: no bridge, the device carrying every address and the default routes. */
export function isUnbridged(w: BridgeWish, net: HostNetwork): boolean {
  return unbridgePlan(w, net).length === 0
}

/**
 * The iproute2 commands (one `ip -batch`) that take the live host from the
 * bridge to the uplink alone; none when it is there. The device takes its
 * addresses before the bridge goes, so the host's address is never missing
 * longer than the bridge's deletion and the route's replacement.
 */
export function unbridgePlan(w: BridgeWish, net: HostNetwork): string[] {
  const link = (name: string) => net.links.find((l) => l.name === name)
  const br = link(w.bridge)
  const nic = link(w.uplink.name)
  if (!nic) throw new KvmplayError('precondition', `there is no interface ${w.uplink.name} on this host`)
  if (br && br.kind !== 'bridge') throw new KvmplayError('precondition', `${w.bridge} is a ${br.kind ?? 'plain'} interface, not a bridge: kvmplay removes only bridges`)
  if (br) refuseWhileOtherPorts(w, net)
  const cmds: string[] = []
  if (nic.master === w.bridge) cmds.push(`link set ${w.uplink.name} nomaster`)
  if (w.mtu !== undefined && nic.mtu !== w.mtu) cmds.push(`link set ${w.uplink.name} mtu ${w.mtu}`)
  if (!nic.up) cmds.push(`link set ${w.uplink.name} up`)
  // A leased address comes back as it is (same MAC, same lease); the system's DHCP client renews it.
  const up = uplinkOf(net, w.bridge)
  const v4 = w.bootproto === 'static' ? w.addresses : up.addresses
  const v6 = [...w.addresses6, ...up.addresses6.filter((a) => a.dynamic)]
  const on = (list: Address[], a: Address) => list.some((x) => x.address === a.address && x.prefix === a.prefix)
  for (const a of v4) if (!on(nic.addresses, a)) cmds.push(`addr add ${a.address}/${a.prefix} dev ${w.uplink.name}`)
  // nodad: the address is not new on this link, it only moves back from the bridge.
  for (const a of v6) if (!on(nic.addresses6, a)) cmds.push(`addr add ${a.address}/${a.prefix} dev ${w.uplink.name} nodad`)
  // Deleting the bridge takes its addresses and routes with it.
  if (br) cmds.push(`link del ${w.bridge}`)
  const changed = cmds.length > 0
  const def = net.routes.find((r) => r.dst === 'default')
  if (w.gateway && (changed || def?.dev !== w.uplink.name || def?.gateway !== w.gateway)) cmds.push(`route replace default via ${w.gateway} dev ${w.uplink.name}`)
  const def6 = net.routes6.find((r) => r.dst === 'default')
  if (w.gateway6 && (changed || def6?.dev !== w.uplink.name || def6?.gateway !== w.gateway6)) cmds.push(`route replace default via ${w.gateway6} dev ${w.uplink.name}`)
  // The bridge's own static routes (the port's, carried there) go back to the device with its addresses.
  if (br) for (const r of movedRoutes(net.routes, w.bridge)) cmds.push(routeOn(r, w.uplink.name))
  return cmds
}
