/** The state a rollback is checked against: read when arming, compared after a rollback. */
import type { Verify } from '../cutover/confirmed-apply.ts'

/** A default route as it matters: where it goes and through which device, not the metric or protocol a daemon gave it. */
const routeDigest = (line: string) => {
  const via = /\bvia (\S+)/.exec(line)?.[1]
  const dev = /\bdev (\S+)/.exec(line)?.[1]
  return `default${via ? ` via ${via}` : ''}${dev ? ` dev ${dev}` : ''}`
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
 * made of them on the host, without its two processes) and both default
 * routes, by gateway and device.
 */
export const VERIFY: Verify = {
  // One ip, not two (-batch); the IPv6 default routes from /proc by the shell (an `ip -6` would be a second process).
  command: [
    "ip -o -batch - <<'KVMPLAY_IP'",
    'link show',
    'addr show scope global',
    'route show default',
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
    return [...links, ...addresses, ...routes].join('\n')
  },
}
