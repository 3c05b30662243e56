/** The state a rollback is checked against: read when arming, compared after a rollback. */
import type { Verify } from '../cutover/confirmed-apply.ts'

const ROUTE_TYPES = new Set(['unicast', 'unreachable', 'blackhole', 'prohibit', 'throw', 'local', 'broadcast', 'multicast', 'nat', 'anycast'])

/**
 * A route as it matters: its destination, gateways and devices (each nexthop
 * of a multipath route), not the metric or protocol a daemon gave it.
 * Undefined for the kernel's prefix routes, which follow the addresses
 * (compared already) and which a daemon may add with a metric of its own.
 */
const routeDigest = (line: string) => {
  if (/\bproto kernel\b/.test(line)) return undefined
  const words = line.trim().split(/\s+/)
  const dst = ROUTE_TYPES.has(words[0]) ? `${words[0]} ${words[1]}` : words[0]
  const hops = [...line.matchAll(/\b(via|dev) (\S+)/g)].map((m) => `${m[1]} ${m[2]}`)
  return [dst === 'default' ? 'default' : `route ${dst}`, ...hops].join(' ')
}

/**
 * A link as it matters: that it exists, its master, and whether it is set up
 * (the UP flag, not the carrier or operstate, which follow the other end).
 * Not loopback, nor the guests' tap devices (vnet*), which come and go with
 * the guests (a rebooted host starts them again, maybe in another order).
 */
const linkDigest = (line: string) => {
  const name = /^\d+: ([^:@\s]+)/.exec(line)?.[1]
  if (!name || name === 'lo' || /^vnet\d+$/.test(name)) return undefined
  const flags = /<([^>]*)>/.exec(line)?.[1].split(',') ?? []
  const master = /\smaster (\S+)/.exec(line)?.[1]
  return `link ${name}${master ? ` master ${master}` : ''} ${flags.includes('UP') ? 'up' : 'down'}`
}

/**
 * What decides whether a rollback worked: every link (its master, set up or not), the global addresses of both
 * families (device and address, sorted: what `awk '{print $2, $4}' | sort`
 * made of them on the host, without its two processes), both default
 * routes by gateway and device, and every other route someone added.
 */
export const VERIFY: Verify = {
  // One ip, not two (-batch); the IPv6 default routes from /proc by the shell (an `ip -6` would be a second process).
  command: [
    "ip -o -batch - <<'KVMPLAY_IP'",
    'link show',
    'addr show scope global',
    'route show',
    'KVMPLAY_IP',
    '{ while read -r d p _ _ n _ _ _ _ dev; do [ "$d$p" != 0000000000000000000000000000000000 ] || [ "$dev" = lo ] || printf \'default6 via %s dev %s\\n\' "$n" "$dev"; done < /proc/net/ipv6_route; } 2>/dev/null',
  ].join('\n'),
  digest: (out) => {
    const lines = out.split('\n').filter((l) => l.trim())
    const isLink = (l: string) => /^\d+: \S+: </.test(l)
    const isAddress = (l: string) => !isLink(l) && /^\d+:\s/.test(l)
    const links = lines.filter(isLink).map(linkDigest).filter((l): l is string => !!l).sort()
    const addresses = lines.filter(isAddress).map((l) => l.trim().split(/\s+/)).map((f) => `${f[1]} ${f[3]}`).sort()
    const routes = lines.filter((l) => !isLink(l) && !isAddress(l)).map((l) => (l.startsWith('default6') ? l.trim() : routeDigest(l)))
    const [defaults, others] = [routes.filter((r) => r?.startsWith('default')), routes.filter((r): r is string => !!r && !r.startsWith('default')).sort()]
    return [...links, ...addresses, ...defaults, ...others].join('\n')
  },
}
