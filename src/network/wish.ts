/**
 * The bridge a user wishes for, on one host: the options given, and for
 * every value left out what the host's facts say (the uplink, its MAC,
 * address, prefix, gateway, name servers) — so the wish is the same before
 * and after the bridge exists, and the same for the way there (`present`)
 * and the way back (`absent`). Every network system starts from it.
 */
import { hostDns, movedRoutes, uplinkOf } from '../facts/network.ts'
import type { Address, HostNetwork } from '../facts/network.ts'
import { mac, netmaskToPrefix, prefixToNetmask } from '../core/validate.ts'
import { KvmplayError } from '../core/errors.ts'
import { uplinkFromLink } from './uplink.ts'
import type { Uplink } from './uplink.ts'

/** The bridge a playbook asks for: every value left out is the host's (bridgeWish). */
export interface WishOptions {
  /** The bridge to create, e.g. 'br0'. */
  bridge: string
  /** The NIC to enslave. Default: the uplink (the default route's device). */
  device?: string
  /** 'static' (default when the host has an address) or 'dhcp'. */
  bootproto?: 'static' | 'dhcp'
  /** Default: the uplink's current address. */
  address?: string
  /** Default: the uplink's current prefix. */
  prefix?: number
  /** Write NETMASK= instead of PREFIX= (as the seed does): give the netmask, or `true` to derive it. */
  netmask?: string | true
  /** Default: the current default gateway. */
  gateway?: string
  /** Default: the name servers in /etc/resolv.conf. */
  dns?: string[]
  /** Default: the NIC's MAC. */
  hwaddr?: string
  /** Spanning tree on the bridge. Default false (one uplink, no loops to break). */
  stp?: boolean
  /** Forwarding delay, seconds. Default 0. */
  delay?: number
  /** Default false: the network scripts (or kvmplay) manage these, not NetworkManager. */
  nmControlled?: boolean
}

/** The bridge over the uplink (persistBridge, applyBridge), or the uplink alone again (persistBridgeRemoval, removeBridge). */
export type BridgeState = 'present' | 'absent'

/** The bridge as wished, on this host: options first, facts for the rest. */
export interface BridgeWish {
  state: BridgeState
  bridge: string
  /** The bridge's port: a NIC, a bond or a VLAN. */
  uplink: Uplink
  hwaddr: string
  /** 'dhcp': the bridge asks for its address (with the device's MAC, so the lease stays the same). */
  bootproto: 'static' | 'dhcp'
  /** The primary IPv4 address (static only). */
  address?: string
  prefix?: number
  netmask?: string
  /** Every IPv4 address, the primary first (static only). */
  addresses: Address[]
  /** Every global IPv6 address that was configured, not autoconfigured. */
  addresses6: Address[]
  gateway?: string
  gateway6?: string
  /** IPv4 and IPv6 name servers. */
  dns: string[]
  /** Where the uplink's MTU is not 1500: the bridge carries it too. */
  mtu?: number
  stp: boolean
  delay: number
  nmControlled: boolean
  /**
   * The IPv4 routes someone added on the uplink (or, once bridged, on the bridge): the
   * bridge carries them, at run time and in its persisted configuration. Destination and
   * gateway only — a metric the network system chose itself differs between an ethernet
   * and a bridge profile, and would make every run a change.
   */
  routes: { dst: string; gateway?: string }[]
}

export function bridgeWish(o: WishOptions, net: HostNetwork, state: BridgeState = 'present'): BridgeWish {
  const up = uplinkOf(net, o.bridge)
  const device = o.device ?? up.device
  const nic = net.links.find((l) => l.name === device)
  if (!nic) throw new KvmplayError('precondition', `there is no interface ${device} on this host (interfaces: ${net.links.map((l) => l.name).join(', ')})`)
  const primary = up.addresses[0]
  const address = o.address ?? primary?.address
  // A new address alone keeps the uplink's prefix, as before.
  const prefix = o.prefix ?? (typeof o.netmask === 'string' ? netmaskToPrefix(o.netmask) : primary?.prefix)
  // A leased address stays leased: the bridge asks for it (with the same MAC, so the same lease).
  const bootproto = o.bootproto ?? (!address ? 'dhcp' : o.address === undefined && primary?.dynamic ? 'dhcp' : 'static')
  if (bootproto === 'static' && (!address || prefix === undefined)) {
    throw new KvmplayError('precondition', `${device} has no IPv4 address to keep: give address and prefix, or bootproto: 'dhcp'`)
  }
  const isStatic = bootproto === 'static'
  // The primary as wished, then every other address the uplink has (none of them leases).
  const addresses = isStatic ? [{ address: address!, prefix: prefix! }, ...up.addresses.slice(1).filter((a) => !a.dynamic && a.address !== address)] : []
  return {
    state,
    bridge: o.bridge,
    uplink: uplinkFromLink(nic, net),
    hwaddr: o.hwaddr ? mac(o.hwaddr) : nic.mac,
    bootproto,
    address: isStatic ? address : undefined,
    prefix: isStatic ? prefix : undefined,
    netmask: o.netmask === undefined || prefix === undefined ? undefined : typeof o.netmask === 'string' ? o.netmask : prefixToNetmask(prefix),
    addresses: addresses.map(({ address, prefix }) => ({ address, prefix })),
    addresses6: up.addresses6.filter((a) => !a.dynamic).map(({ address, prefix }) => ({ address, prefix })),
    gateway: o.gateway ?? up.gateway,
    gateway6: up.gateway6,
    // resolv.conf's, unless given: a name server there that is not an address stops the task here, named.
    dns: o.dns ?? hostDns(net),
    mtu: up.mtu,
    stp: o.stp ?? false,
    delay: o.delay ?? 0,
    nmControlled: o.nmControlled ?? false,
    routes: carriedRoutes(net, device, o.bridge),
  }
}

/** The routes added on the device, then those already on the bridge (a later run), each destination once. */
function carriedRoutes(net: HostNetwork, device: string, bridge: string): BridgeWish['routes'] {
  const seen = new Set<string>()
  return [...movedRoutes(net.routes, device), ...movedRoutes(net.routes, bridge)]
    .filter((r) => !seen.has(r.dst) && !!seen.add(r.dst))
    .map(({ dst, gateway }) => (gateway ? { dst, gateway } : { dst }))
}
