/** The state a rollback is checked against: read when arming, compared after a rollback. */
import type { Verify } from '../cutover/confirmed-apply.ts'

/** A default route as it matters: where it goes and through which device, not the metric or protocol a daemon gave it. */
const routeDigest = (line: string) => {
  const via = /\bvia (\S+)/.exec(line)?.[1]
  const dev = /\bdev (\S+)/.exec(line)?.[1]
  return `default${via ? ` via ${via}` : ''}${dev ? ` dev ${dev}` : ''}`
}

/**
 * What decides whether a rollback worked: the global addresses of both
 * families (device and address, sorted: what `awk '{print $2, $4}' | sort`
 * made of them on the host, without its two processes) and both default
 * routes, by gateway and device.
 */
export const VERIFY: Verify = {
  // One ip, not two (-batch); the IPv6 default routes from /proc by the shell (an `ip -6` would be a second process).
  command: [
    "ip -o -batch - <<'KVMPLAY_IP'",
    'addr show scope global',
    'route show default',
    'KVMPLAY_IP',
    '{ while read -r d p _ _ n _ _ _ _ dev; do [ "$d$p" != 0000000000000000000000000000000000 ] || [ "$dev" = lo ] || printf \'default6 via %s dev %s\\n\' "$n" "$dev"; done < /proc/net/ipv6_route; } 2>/dev/null',
  ].join('\n'),
  digest: (out) => {
    const lines = out.split('\n').filter((l) => l.trim())
    const isAddress = (l: string) => /^\d+:\s/.test(l)
    const addresses = lines.filter(isAddress).map((l) => l.trim().split(/\s+/)).map((f) => `${f[1]} ${f[3]}`).sort()
    const routes = lines.filter((l) => !isAddress(l)).map((l) => (l.startsWith('default6') ? l.trim() : routeDigest(l)))
    return [...addresses, ...routes].join('\n')
  },
}
