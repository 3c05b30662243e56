/**
 * The host's network as the kernel has it — links with their addresses,
 * kinds and bridge masters (`ip -j -d addr`), routes (`ip -j route`), name
 * servers (resolv.conf) — and which tool manages it, in one round trip.
 */
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'
import { checkLinksAndRoutes, nameServers } from './network-values.ts'

export interface Address {
  address: string
  prefix: number
  /** From DHCP (or autoconfiguration): a lease, not a configured address. */
  dynamic?: boolean
}

export interface Link {
  name: string
  mac: string
  up: boolean
  /** bridge, veth, tun, bond, vlan… (undefined for plain NICs). */
  kind?: string
  /** The bridge (or bond) this link is a port of. */
  master?: string
  mtu?: number
  /** For a VLAN: its id and the link it rides on. */
  vlan?: { id: number; parent: string }
  /** IPv4 addresses, in the order the kernel has them (the primary first). */
  addresses: Address[]
  /** Global IPv6 addresses (link-local ones are the kernel's own and move by themselves). */
  addresses6: Address[]
}

export interface Route {
  dst: string
  gateway?: string
  dev: string
  metric?: number
  /** Who made it, as ip says (kernel: derived from an address; static, boot, dhcp …: someone added it). */
  protocol?: string
}

/**
 * The routes someone added on a device — not its default route, not the
 * kernel's own prefix routes (they come and go with the addresses): what a
 * change that moves the device's addresses must move too, and a rollback put back.
 */
export const addedRoutes = (routes: Route[], dev: string): Route[] => routes.filter((r) => r.dev === dev && r.dst !== 'default' && r.protocol !== 'kernel')

/**
 * The added routes that go with the device's addresses to a bridge (and back): all but the
 * link-local 169.254.0.0/16 that CentOS's network scripts add on every interface they bring
 * up (ifup-post, unless NOZEROCONF=yes) — they add the bridge's own, at a metric of its
 * ifindex; carried and persisted it would be a second one, and a change on every run.
 */
export const movedRoutes = (routes: Route[], dev: string): Route[] => addedRoutes(routes, dev).filter((r) => !(r.dst === '169.254.0.0/16' && !r.gateway))

/**
 * The tool that changes the running host's links where no network system's own
 * way is taken (ifcfg hosts): not the network system that keeps them
 * (src/network/systems/), which a host may have beside it.
 */
export type LinkTool = 'networkmanager' | 'network-scripts' | 'iproute2'

export interface HostNetwork {
  links: Link[]
  /** IPv4 routes of the main table. */
  routes: Route[]
  /** IPv6 default routes. */
  routes6: Route[]
  /** resolv.conf's name servers that are addresses; the others are in dnsRefused, never here. */
  dns: string[]
  /** Why resolv.conf's name servers cannot be used (one is not an address): said by hostDns when a task uses them. */
  dnsRefused?: string
  linkTool: LinkTool
}

/** The host's name servers for a configuration, or the error that resolv.conf has one that is not an address. */
export function hostDns(net: HostNetwork): string[] {
  if (net.dnsRefused) throw new KvmplayError('fact', net.dnsRefused)
  return net.dns
}

// One ip for links and routes (-batch: each command's JSON array on a line of
// its own); resolv.conf and the IPv6 default routes (/proc/net/ipv6_route: an
// `ip -6` would be a second process) are read by the shell's read and printf,
// not cat: every process counts on a busy host. NetworkManager is asked only
// where a system bus runs (nmcli without one costs a process and a timeout).
const SCRIPT = `ip -j -d -batch - <<'KVMPLAY_IP' && echo @@DNS && { { while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < /etc/resolv.conf; } 2>/dev/null || true; } &&
addr show
route show
KVMPLAY_IP
echo @@ROUTE6
{ while read -r d p _ _ n m _ _ _ dev; do [ "$d$p" != 0000000000000000000000000000000000 ] || printf '%s %s %s\\n' "$n" "$m" "$dev"; done < /proc/net/ipv6_route; } 2>/dev/null
echo @@BACKEND
if [ -S /run/dbus/system_bus_socket ] && command -v nmcli >/dev/null 2>&1 && [ "$(nmcli -t -f RUNNING general 2>/dev/null)" = running ]; then echo networkmanager
elif [ -x /etc/sysconfig/network-scripts/ifup-eth ] || [ -x /etc/rc.d/init.d/network ]; then echo network-scripts
else echo iproute2; fi`

type IpAddr = {
  ifname: string
  address?: string
  flags?: string[]
  master?: string
  mtu?: number
  link?: string
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: { id?: number } }
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; dynamic?: boolean; temporary?: boolean; deprecated?: boolean }[]
}

/** "fd000000000000000000000000000001" → "fd00::1" */
function ipv6FromHex(hex: string): string {
  const groups = (hex.match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, ''))
  const text = groups.join(':')
  // The longest run of zero groups becomes '::', as ip prints it.
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length)
  return runs.length ? `${text.slice(0, runs[0].index)}::${text.slice(runs[0].index! + runs[0][0].length)}`.replace(/^::0?$/, '::') : text
}

/** The IPv6 default routes from our read of /proc/net/ipv6_route: "NEXTHOP METRIC DEV" lines. */
function parseRoutes6(text: string): Route[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && f[2] !== 'lo')
    .map(([hop, metric, dev]) => ({ dst: 'default', gateway: /^0+$/.test(hop) ? undefined : ipv6FromHex(hop), dev, metric: parseInt(metric, 16) }))
}

/** The fact's output as a HostNetwork, every value checked (network-values.ts); `host` names the host in a refusal. */
export function parseHostNetwork(out: string, host = 'the host'): HostNetwork {
  const [ip, rest2 = ''] = out.split('\n@@DNS\n')
  // JSON escapes newlines inside strings: the first line is the links, the second the routes.
  const [addrs, routes = ''] = ip.split('\n')
  const [resolv, rest3 = ''] = rest2.split('@@ROUTE6\n')
  const [routes6, backend = 'iproute2'] = rest3.includes('@@BACKEND\n') ? rest3.split('@@BACKEND\n') : ['', rest2.split('@@BACKEND\n')[1] ?? 'iproute2']
  let links: IpAddr[]
  let rts: { dst: string; gateway?: string; dev: string; metric?: number; protocol?: string }[]
  try {
    links = JSON.parse(addrs)
    rts = JSON.parse(routes)
  } catch (err) {
    throw new KvmplayError('fact', `unexpected output of ip -j: ${(err as Error).message}`)
  }
  const family = (l: IpAddr, f: string) =>
    (l.addr_info ?? [])
      .filter((a) => a.family === f && (f === 'inet' || (a.scope === 'global' && !a.temporary)))
      .map((a) => ({ address: a.local, prefix: a.prefixlen, ...(a.dynamic ? { dynamic: true } : {}) }))
  const net = {
    links: links.map((l) => ({
      name: l.ifname,
      mac: (l.address ?? '').toLowerCase(),
      up: (l.flags ?? []).includes('UP'),
      kind: l.linkinfo?.info_kind,
      master: l.master,
      mtu: l.mtu,
      vlan: l.linkinfo?.info_kind === 'vlan' && l.link ? { id: Number(l.linkinfo.info_data?.id), parent: l.link } : undefined,
      addresses: family(l, 'inet'),
      addresses6: family(l, 'inet6'),
    })),
    routes: rts.map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev, ...(r.metric !== undefined ? { metric: r.metric } : {}), ...(r.protocol ? { protocol: r.protocol } : {}) })),
    routes6: parseRoutes6(routes6),
    ...nameServers(resolv.split('\n').flatMap((l) => /^\s*nameserver\s+(\S+)\s*$/.exec(l)?.slice(1) ?? []), host),
    linkTool: (backend.trim() as LinkTool) || 'iproute2',
  }
  checkLinksAndRoutes(net.links, net.routes, net.routes6, host)
  return net
}

export const hostNetworkFact: Fact<HostNetwork, void> = {
  describe: () => 'network interfaces, routes and DNS',
  name: 'network',
  // The link tool is told by the network scripts' files (and whether NetworkManager runs).
  reads: () => [resource.links, ...['/etc/resolv.conf', '/etc/sysconfig/network-scripts/ifup-eth', '/etc/rc.d/init.d/network'].map(resource.path)],
  command: () => SCRIPT,
  parse: (res, _args, host) => {
    if (res.code !== 0) throw new KvmplayError('fact', `reading interfaces failed (exit ${res.code}): ${res.stderr.trim()} — is iproute2 installed?`)
    return parseHostNetwork(res.stdout, host)
  },
}

/** Virtual ports (guests' taps, veths of containers) never count as the uplink. */
const isGuestPort = (l: Link) => /^(vnet|tap|veth|virbr)/.test(l.name) || l.kind === 'tun'

/** What the uplink carries, as the kernel has it (the uplink itself, as the bridge tasks take it: src/network/uplink.ts). */
export interface UplinkAddressing {
  /** The NIC (or bond, or VLAN): the default route's device, or, once bridged, the bridge's port. */
  device: string
  mac: string
  /** Where the addresses and default route are now: the device, or the bridge. */
  carrier: string
  /** Every IPv4 address, the primary first. */
  addresses: Address[]
  /** Every global IPv6 address. */
  addresses6: Address[]
  gateway?: string
  gateway6?: string
  /** The device's MTU where it is not Ethernet's 1500. */
  mtu?: number
  dns: string[]
}

/** Uplinks kvmplay can put into a bridge; anything else (a team device, a tunnel) is refused, named. */
const BRIDGEABLE_KINDS = new Set([undefined, 'veth', 'bond', 'vlan'])

/**
 * The uplink and its addressing, whether or not it is already in `bridge`:
 * so a bridge task computes the same wish before and after it ran.
 */
export function uplinkOf(net: HostNetwork, bridge?: string): UplinkAddressing {
  const def = net.routes.find((r) => r.dst === 'default')
  if (!def) throw new KvmplayError('precondition', 'the host has no default route, so its uplink cannot be told: give device, address, prefix and gateway')
  const carrier = net.links.find((l) => l.name === def.dev)
  if (!carrier) throw new KvmplayError('fact', `the default route's device ${def.dev} is not among the host's links`)
  let device = carrier
  if (carrier.kind === 'bridge') {
    const port = net.links.find((l) => l.master === carrier.name && !isGuestPort(l)) ?? net.links.find((l) => l.master === carrier.name && l.kind === 'veth')
    if (!port) throw new KvmplayError('precondition', `the default route goes through bridge ${carrier.name}, which has no uplink port; give device`)
    device = port
  }
  if (!BRIDGEABLE_KINDS.has(device.kind)) {
    throw new KvmplayError('precondition', `the uplink ${device.name} is a ${device.kind} device, which kvmplay cannot put into a bridge (it bridges NICs, bonds and VLANs); nothing was changed`)
  }
  // Before the bridge exists the addresses are on the device; after, on the bridge.
  const holder = carrier.addresses.length || carrier.addresses6.length ? carrier : device
  const def6 = net.routes6.find((r) => r.dev === carrier.name || r.dev === device.name)
  return {
    device: device.name,
    mac: device.mac,
    carrier: carrier.name,
    addresses: holder.addresses,
    addresses6: holder.addresses6,
    gateway: def.gateway,
    gateway6: def6?.gateway,
    mtu: device.mtu !== undefined && device.mtu !== 1500 ? device.mtu : undefined,
    dns: net.dns,
  }
}
