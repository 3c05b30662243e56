/**
 * libvirt networks, compared by meaning: the fields a network task owns are
 * read out of `net-dumpxml --inactive`; what libvirt generates (uuid, the
 * bridge's MAC) and how the XML is laid out are ignored.
 */
import { attr, child, children, memoByXml, parseXml, text } from './xml.ts'
import { netmaskToPrefix, prefixToNetmask } from '../core/validate.ts'

export type ForwardMode = 'nat' | 'route' | 'bridge' | 'isolated'

export interface DhcpHost {
  mac: string
  name?: string
  ip: string
}

export interface NetworkSpec {
  name: string
  forward: ForwardMode
  bridge?: string
  stp?: boolean
  delay?: number
  natPorts?: { start: number; end: number }
  address?: string
  prefix?: number
  dhcpRanges: { start: string; end: string }[]
  dhcpHosts: DhcpHost[]
}

/** What libvirt generated for an existing network, kept when it is redefined. */
/**
 * A libvirt network as asked for: what defineNetwork takes (tasks/define-network.ts) and
 * what the way back reads from a migration report (src/guests/recorded-network.ts).
 */
export interface NetworkOptions {
  name: string
  /** nat (libvirt's default), route, bridge (an existing host bridge such as br0), or isolated. */
  forward: ForwardMode
  /** The Linux bridge: created by libvirt for nat/route/isolated (virbr0), an existing one for bridge. */
  bridge: string
  /** The host's address on the network (not for forward: 'bridge'). */
  address?: string
  prefix?: number
  /** Alternative to prefix, as the seed writes it: '255.255.255.0'. */
  netmask?: string
  dhcp?: {
    start: string
    end: string
    /** Static leases: exactly these (others are removed). Omit to leave the network's entries alone. */
    hosts?: { mac: string; ip: string; name?: string }[]
  }
  natPorts?: { start: number; end: number }
  stp?: boolean
  delay?: number
  /** Default true. */
  autostart?: boolean
  /** Default true: started. */
  active?: boolean
  /** Restart a running network whose definition changed (other than DHCP hosts). Default true; false leaves it for later, saying so. */
  restart?: boolean
  /**
   * The uuid and bridge MAC a new definition takes (e.g. the ones a network had before it was
   * destroyed, so it comes back as the same network); an existing network keeps its own.
   */
  identity?: { uuid?: string; mac?: string }
}

export interface NetworkIdentity {
  uuid?: string
  mac?: string
}

export function parseNetworkXml(xml: string, what = 'network XML'): { spec: NetworkSpec; identity: NetworkIdentity } {
  return readNetwork(xml, what)
}

const readNetwork = memoByXml((xml, what): { spec: NetworkSpec; identity: NetworkIdentity } => {
  const net = parseXml(xml, what).documentElement!
  const forwardEl = child(net, 'forward')
  const mode = forwardEl ? (attr(forwardEl, 'mode') ?? 'nat') : 'isolated'
  const port = forwardEl && child(child(forwardEl, 'nat') ?? forwardEl, 'port')
  const bridge = child(net, 'bridge')
  const ip = children(net, 'ip').find((i) => (attr(i, 'family') ?? 'ipv4') === 'ipv4')
  const dhcp = ip && child(ip, 'dhcp')
  const prefix = ip ? (attr(ip, 'prefix') !== undefined ? Number(attr(ip, 'prefix')) : attr(ip, 'netmask') ? netmaskToPrefix(attr(ip, 'netmask')) : undefined) : undefined
  const isBridged = mode === 'bridge'
  return {
    spec: {
      name: text(child(net, 'name')) ?? '',
      forward: mode as ForwardMode,
      bridge: attr(bridge, 'name'),
      // libvirt leaves stp/delay out of bridge-mode networks (the bridge is not its own).
      stp: isBridged ? undefined : (attr(bridge, 'stp') ?? 'on') === 'on',
      delay: isBridged ? undefined : Number(attr(bridge, 'delay') ?? 0),
      natPorts: port ? { start: Number(attr(port, 'start')), end: Number(attr(port, 'end')) } : undefined,
      address: attr(ip, 'address'),
      prefix,
      dhcpRanges: dhcp ? children(dhcp, 'range').map((r) => ({ start: attr(r, 'start')!, end: attr(r, 'end')! })) : [],
      dhcpHosts: dhcp
        ? children(dhcp, 'host').map((h) => ({ mac: attr(h, 'mac')!.toLowerCase(), name: attr(h, 'name'), ip: attr(h, 'ip')! }))
        : [],
    },
    identity: { uuid: text(child(net, 'uuid')), mac: attr(child(net, 'mac'), 'address') },
  }
})

const sortHosts = (hosts: DhcpHost[]) => [...hosts].sort((a, b) => a.mac.localeCompare(b.mac))

/** Everything but the DHCP host entries: these need a redefine (and, when active, a restart) to change. */
function structural(s: NetworkSpec) {
  const nat = s.forward === 'nat' && s.natPorts ? [s.natPorts.start, s.natPorts.end] : null
  const ranges = s.dhcpRanges.map((r) => [r.start, r.end])
  return JSON.stringify([s.name, s.forward, s.bridge, s.stp ?? null, s.delay ?? null, nat, s.address ?? null, s.prefix ?? null, ranges])
}

/**
 * The network as wished: what the task says, and for what it leaves out,
 * what the network already has (so a task that does not mention the NAT
 * port range or STP does not fight libvirt's or the admin's values).
 */
export function mergeWanted(current: NetworkSpec | undefined, wanted: Partial<NetworkSpec> & Pick<NetworkSpec, 'name' | 'forward'>): NetworkSpec {
  const base: NetworkSpec = current ?? { name: wanted.name, forward: wanted.forward, dhcpRanges: [], dhcpHosts: [] }
  const defined = Object.fromEntries(Object.entries(wanted).filter(([, v]) => v !== undefined)) as Partial<NetworkSpec>
  const merged = { ...base, ...defined }
  if (merged.forward === 'bridge') Object.assign(merged, { stp: undefined, delay: undefined, address: undefined, prefix: undefined, dhcpRanges: [], dhcpHosts: [], natPorts: undefined })
  if (merged.forward !== 'nat') merged.natPorts = undefined
  return merged
}

export interface NetworkChange {
  /** Fields other than DHCP host entries differ: redefine (keeping the uuid), restart if active. */
  structural: boolean
  addHosts: DhcpHost[]
  removeHosts: DhcpHost[]
  /** Same MAC, other IP or name. */
  modifyHosts: DhcpHost[]
}

export function compareNetworks(current: NetworkSpec, wanted: NetworkSpec): NetworkChange {
  const byMac = (hosts: DhcpHost[]) => new Map(hosts.map((h) => [h.mac, h]))
  const cur = byMac(current.dhcpHosts)
  const want = byMac(wanted.dhcpHosts)
  const same = (a: DhcpHost, b: DhcpHost) => a.ip === b.ip && (a.name ?? '') === (b.name ?? '')
  return {
    structural: structural(current) !== structural(wanted),
    addHosts: sortHosts([...want.values()].filter((h) => !cur.has(h.mac))),
    removeHosts: sortHosts([...cur.values()].filter((h) => !want.has(h.mac))),
    modifyHosts: sortHosts([...want.values()].filter((h) => cur.has(h.mac) && !same(cur.get(h.mac)!, h))),
  }
}

export const isUnchanged = (c: NetworkChange) => !c.structural && !c.addHosts.length && !c.removeHosts.length && !c.modifyHosts.length

/** Template vars for templates/libvirt/network.xml.hbs. */
export function networkTemplateVars(spec: NetworkSpec, identity: NetworkIdentity = {}) {
  return {
    ...spec,
    ...identity,
    netmask: spec.prefix !== undefined ? prefixToNetmask(spec.prefix) : undefined,
    dhcp: spec.dhcpRanges.length || spec.dhcpHosts.length ? { ranges: spec.dhcpRanges, hosts: spec.dhcpHosts } : undefined,
    stp: spec.stp ?? true,
    delay: spec.delay ?? 0,
  }
}
