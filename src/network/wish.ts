/**
 * The bridge a user wishes for, on one host: the options given, and for
 * every value left out what the host's facts say (the uplink, its MAC,
 * address, prefix, gateway, name servers) — so the wish is the same before
 * and after the bridge exists. Every network backend starts from it.
 */
import type { TaskOptions } from '../core/task.ts'
import { hostDns, movedRoutes, uplinkOf } from '../facts/network.ts'
import type { Address, HostNetwork } from '../facts/network.ts'
import { absolutePath, interfaceName, ipv4, mac, netmaskToPrefix, prefixLength, prefixToNetmask } from '../core/validate.ts'
import { KvmplayError } from '../core/errors.ts'
import { probeOf } from './probes.ts'
import type { ProbeSpec } from './probes.ts'

export interface BridgeOptions extends TaskOptions {
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
  /** applyBridge: seconds the host waits for kvmplay to come back and confirm before it rolls back by itself. Default 60. */
  confirmTimeout?: number
  /**
   * applyBridge: what must hold on the host after the change, before it is confirmed: shell
   * commands (exit 0: holds; 127: cannot run here), or `{ command, name, optional, precondition }`.
   * Each is checked before the change too (a condition false then fails the task with nothing
   * changed) unless `precondition: false`; one that cannot run fails unless `optional: true`.
   */
  probes?: ProbeSpec[]
  /**
   * applyBridge: which files the rollback puts back, besides the links and routes. 'bridge' (the
   * default): the bridge's own persisted configuration (for ifcfg: ifcfg-BRIDGE and ifcfg-DEVICE),
   * where this run changed it. 'run': every file this run changed before the apply, whichever task
   * wrote it. A list: these paths, where this run changed them.
   */
  rollbackFiles?: 'bridge' | 'run' | string[]
  /**
   * The system that keeps the host's network, when kvmplay should not tell it from the host:
   * 'networkmanager', 'netplan', 'ifupdown', 'networkd' or 'ifcfg'. A named system must run on the host.
   */
  backend?: BackendName
}

export const BACKEND_NAMES = ['networkmanager', 'netplan', 'ifupdown', 'networkd', 'ifcfg'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

/** The bridge as wished, on this host: options first, facts for the rest. */
export interface BridgeWish {
  bridge: string
  /** The bridge's port: a NIC, a bond or a VLAN. */
  device: string
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

/** Checks what can be checked before any host is contacted. */
export function validateBridgeOptions(o: BridgeOptions): void {
  interfaceName(o.bridge, 'bridge name')
  if (o.device !== undefined) interfaceName(o.device, 'device')
  if (o.address !== undefined) ipv4(o.address, 'address')
  if (o.prefix !== undefined) prefixLength(o.prefix)
  if (typeof o.netmask === 'string') netmaskToPrefix(o.netmask)
  if (o.gateway !== undefined) ipv4(o.gateway, 'gateway')
  for (const d of o.dns ?? []) ipv4(d, 'DNS server')
  if (o.hwaddr !== undefined) mac(o.hwaddr, 'HWADDR')
  if (o.bootproto !== undefined && o.bootproto !== 'static' && o.bootproto !== 'dhcp') {
    throw new KvmplayError('validation', `invalid bootproto ${JSON.stringify(o.bootproto)}: expected 'static' or 'dhcp'`)
  }
  for (const p of o.probes ?? []) probeOf(p)
  if (o.delay !== undefined && (!Number.isInteger(o.delay) || o.delay < 0 || o.delay > 30)) {
    throw new KvmplayError('validation', `invalid delay ${JSON.stringify(o.delay)}: expected whole seconds from 0 to 30`)
  }
  if (o.device !== undefined && o.device === o.bridge) throw new KvmplayError('validation', `the bridge and its port cannot both be ${o.bridge}`)
  const scope = o.rollbackFiles
  if (scope !== undefined && scope !== 'bridge' && scope !== 'run' && !(Array.isArray(scope) && scope.every((p) => typeof p === 'string'))) {
    throw new KvmplayError('validation', `invalid rollbackFiles ${JSON.stringify(scope)}: expected 'bridge', 'run' or a list of absolute paths`)
  }
  if (Array.isArray(scope)) scope.forEach((p) => absolutePath(p, 'rollbackFiles'))
  if (o.backend !== undefined && !BACKEND_NAMES.includes(o.backend)) {
    throw new KvmplayError('validation', `invalid backend ${JSON.stringify(o.backend)}: expected ${BACKEND_NAMES.join(', ')}`)
  }
}

export function bridgeWish(o: BridgeOptions, net: HostNetwork): BridgeWish {
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
    bridge: o.bridge,
    device,
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
