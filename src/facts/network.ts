/**
 * The host's network as the kernel has it — links with their addresses,
 * kinds and bridge masters (`ip -j -d addr`), routes (`ip -j route`), name
 * servers (resolv.conf) — and which tool manages it, in one round trip.
 */
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export interface Link {
  name: string
  mac: string
  up: boolean
  /** bridge, veth, tun, bond… (undefined for plain NICs). */
  kind?: string
  /** The bridge this link is a port of. */
  master?: string
  addresses: { address: string; prefix: number }[]
}

export interface Route {
  dst: string
  gateway?: string
  dev: string
}

/** How the host applies interface configuration at run time. */
export type NetworkBackend = 'networkmanager' | 'network-scripts' | 'iproute2'

export interface HostNetwork {
  links: Link[]
  routes: Route[]
  dns: string[]
  backend: NetworkBackend
}

// One ip for links and routes (-batch: each command's JSON array on a line of
// its own); resolv.conf is read by the shell's read and printf, not cat: every
// process counts on a busy host.
const SCRIPT = `ip -j -d -batch - <<'KVMPLAY_IP' && echo @@DNS && { { while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < /etc/resolv.conf; } 2>/dev/null || true; } && echo @@BACKEND &&
addr show
route show
KVMPLAY_IP
if command -v nmcli >/dev/null 2>&1 && [ "$(nmcli -t -f RUNNING general 2>/dev/null)" = running ]; then echo networkmanager
elif [ -x /etc/sysconfig/network-scripts/ifup-eth ] || [ -x /etc/rc.d/init.d/network ]; then echo network-scripts
else echo iproute2; fi`

type IpAddr = {
  ifname: string
  address?: string
  flags?: string[]
  master?: string
  linkinfo?: { info_kind?: string; info_slave_kind?: string }
  addr_info?: { family: string; local: string; prefixlen: number }[]
}

export function parseHostNetwork(out: string): HostNetwork {
  const [ip, rest2 = ''] = out.split('\n@@DNS\n')
  // JSON escapes newlines inside strings: the first line is the links, the second the routes.
  const [addrs, routes = ''] = ip.split('\n')
  const [resolv, backend = 'iproute2'] = rest2.split('@@BACKEND\n')
  let links: IpAddr[]
  let rts: { dst: string; gateway?: string; dev: string }[]
  try {
    links = JSON.parse(addrs)
    rts = JSON.parse(routes)
  } catch (err) {
    throw new KvmplayError('fact', `unexpected output of ip -j: ${(err as Error).message}`)
  }
  return {
    links: links.map((l) => ({
      name: l.ifname,
      mac: (l.address ?? '').toLowerCase(),
      up: (l.flags ?? []).includes('UP'),
      kind: l.linkinfo?.info_kind,
      master: l.master,
      addresses: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => ({ address: a.local, prefix: a.prefixlen })),
    })),
    routes: rts.map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev })),
    dns: resolv.split('\n').flatMap((l) => /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(l)?.slice(1) ?? []),
    backend: (backend.trim() as NetworkBackend) || 'iproute2',
  }
}

export const hostNetworkFact: Fact<HostNetwork, void> = {
  describe: () => 'network interfaces, routes and DNS',
  name: 'network',
  // The backend is told by the network scripts' files (and whether NetworkManager runs).
  reads: () => [resource.links, ...['/etc/resolv.conf', '/etc/sysconfig/network-scripts/ifup-eth', '/etc/rc.d/init.d/network'].map(resource.path)],
  command: () => SCRIPT,
  parse: (res) => {
    if (res.code !== 0) throw new KvmplayError('fact', `reading interfaces failed (exit ${res.code}): ${res.stderr.trim()} — is iproute2 installed?`)
    return parseHostNetwork(res.stdout)
  },
}

/** Virtual ports (guests' taps, veths of containers) never count as the uplink. */
const isGuestPort = (l: Link) => /^(vnet|tap|veth|virbr)/.test(l.name) || l.kind === 'tun'

export interface Uplink {
  /** The NIC: the default route's device, or, once bridged, the bridge's port. */
  device: string
  mac: string
  /** Where the address and default route are now: the NIC, or the bridge. */
  carrier: string
  address?: string
  prefix?: number
  gateway?: string
  dns: string[]
}

/**
 * The uplink and its addressing, whether or not it is already in `bridge`:
 * so a bridge task computes the same wish before and after it ran.
 */
export function uplinkOf(net: HostNetwork, bridge?: string): Uplink {
  const def = net.routes.find((r) => r.dst === 'default')
  if (!def) throw new KvmplayError('precondition', 'the host has no default route, so its uplink cannot be told: give device, address, prefix and gateway')
  const carrier = net.links.find((l) => l.name === def.dev)
  if (!carrier) throw new KvmplayError('fact', `the default route's device ${def.dev} is not among the host's links`)
  let device = carrier
  if (carrier.kind === 'bridge') {
    const port = net.links.find((l) => l.master === carrier.name && !isGuestPort(l)) ?? net.links.find((l) => l.master === carrier.name && l.kind === 'veth')
    if (!port) throw new KvmplayError('precondition', `the default route goes through bridge ${carrier.name}, which has no uplink port; give device`)
    device = port
  } else if (bridge && carrier.master === bridge) {
    device = carrier
  }
  const addr = carrier.addresses[0] ?? device.addresses[0]
  return { device: device.name, mac: device.mac, carrier: carrier.name, address: addr?.address, prefix: addr?.prefix, gateway: def.gateway, dns: net.dns }
}
