/**
 * The network fact's values, checked as they are read: interface names,
 * MACs, addresses and name servers go from here into shell-sourced ifcfg
 * files, keyfiles, netplan YAML and ip commands, so a name server such as
 * `1.1.1.1$(reboot)` in a broken or hostile resolv.conf must stop here, not
 * in a template. What the kernel reports (ip -j) is checked all the same: it
 * takes interface names with any character but '/', ':' and whitespace.
 * Each refusal names the host, where the value came from, and the value.
 */
import { KvmplayError } from '../core/errors.ts'
import { interfaceName, ipAddress, ipv4, ipv6 } from '../core/validate.ts'
import type { Address, Link, Route } from './network.ts'

const passes = (check: (v: unknown) => unknown, value: unknown): boolean => {
  try {
    check(value)
    return true
  } catch {
    return false
  }
}

/** A link-layer address as ip prints it: hex octets with colons (6 for Ethernet, 20 for InfiniBand), a tunnel's IP endpoint, or none. */
const isLinkAddress = (v: string) => v === '' || /^[0-9a-f]{2}(:[0-9a-f]{2}){0,31}$/.test(v) || passes(ipAddress, v)

/** A route's destination: default, or an address with or without its prefix length. */
function isDestination(dst: string, family: 4 | 6): boolean {
  if (dst === 'default') return true
  const [address, prefix, ...rest] = dst.split('/')
  const max = family === 4 ? 32 : 128
  return rest.length === 0 && passes(family === 4 ? ipv4 : ipv6, address) && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))
}

/** A name server as resolv.conf may give it: an address, or a link-local IPv6 one with its interface (fe80::1%eth0). */
export function isNameServer(v: string): boolean {
  const [address, zone, ...rest] = v.split('%')
  if (rest.length) return false
  return zone === undefined ? passes(ipAddress, address) : passes(ipv6, address) && passes(interfaceName, zone)
}

const refuse = (what: string) => new KvmplayError('fact', what)
const NAME_RULE = '1–15 letters, digits, "_", "." or "-"'

/**
 * The links and routes as ip reported them, or a fact error naming the
 * first value kvmplay will not write anywhere. Nothing can stand in for
 * these (a task's options name the uplink, not every link), so the whole
 * fact is refused: the host is left as it is.
 */
export function checkLinksAndRoutes(links: readonly Link[], routes: readonly Route[], routes6: readonly Route[], host: string): void {
  const ip = `ip -j on ${host}`
  const name = (n: unknown, what: string) => {
    if (!passes(interfaceName, n)) throw refuse(`${ip} reports ${what} ${JSON.stringify(n)}, which kvmplay cannot write into a network configuration (it takes ${NAME_RULE}): rename it`)
  }
  const address = (a: Address, family: 4 | 6, link: string) => {
    const max = family === 4 ? 32 : 128
    if (!passes(family === 4 ? ipv4 : ipv6, a.address) || !Number.isInteger(a.prefix) || a.prefix < 0 || a.prefix > max) {
      throw refuse(`${ip} reports address ${JSON.stringify(`${a.address}/${a.prefix}`)} on ${link}, which is not an IPv${family} address with its prefix length`)
    }
  }
  for (const l of links) {
    name(l.name, 'an interface named')
    if (!isLinkAddress(l.mac)) throw refuse(`${ip} reports link address ${JSON.stringify(l.mac)} for ${l.name}, which is not a MAC address`)
    if (l.master !== undefined) name(l.master, `${l.name}'s master`)
    if (l.vlan) name(l.vlan.parent, `the VLAN ${l.name}'s parent`)
    if (l.mtu !== undefined && !Number.isInteger(l.mtu)) throw refuse(`${ip} reports MTU ${JSON.stringify(l.mtu)} for ${l.name}, which is not a number`)
    for (const a of l.addresses) address(a, 4, l.name)
    for (const a of l.addresses6) address(a, 6, l.name)
  }
  for (const [list, family, source] of [[routes, 4, `ip -j route on ${host}`], [routes6, 6, `/proc/net/ipv6_route on ${host}`]] as const) {
    for (const r of list) {
      const bad = (what: string) => refuse(`${source} has a route ${JSON.stringify(r)} whose ${what}`)
      if (!isDestination(r.dst, family)) throw bad('destination is not an address')
      if (r.gateway !== undefined && !passes(family === 4 ? ipv4 : ipv6, r.gateway)) throw bad('gateway is not an address')
      // A route without a device is an unreachable, blackhole or prohibit one.
      if (r.dev !== undefined && !passes(interfaceName, r.dev)) throw bad(`device is not an interface name (${NAME_RULE})`)
    }
  }
}

/**
 * resolv.conf's name servers: those that are addresses, and why the others
 * were left out. Not refused here: a task given `dns` never uses them, and
 * the others learn it from hostDns (src/facts/network.ts), by name.
 */
export function nameServers(values: readonly string[], host: string): { dns: string[]; dnsRefused?: string } {
  const bad = values.find((v) => !isNameServer(v))
  return {
    dns: values.filter(isNameServer),
    ...(bad === undefined ? {} : { dnsRefused: `/etc/resolv.conf on ${host} has name server ${JSON.stringify(bad)}, which is not an address: fix it or give dns: explicitly` }),
  }
}
