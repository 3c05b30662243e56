/** The state a rollback is checked against: read when arming, compared after a rollback. */
import type { Verify } from '../cutover/confirmed-apply.ts'

/**
 * What decides whether a rollback worked: the global IPv4 addresses (device
 * and address, sorted: what `awk '{print $2, $4}' | sort` made of them on the
 * host, without its two processes) and the default route.
 */
export const VERIFY: Verify = {
  // One ip, not two (-batch); the same lines as `ip -4 -o addr show scope global; ip route show default`.
  command: "ip -4 -o -batch - <<'KVMPLAY_IP'\naddr show scope global\nroute show default\nKVMPLAY_IP",
  digest: (out) => {
    const lines = out.split('\n').filter((l) => l.trim())
    const isAddress = (l: string) => /^\d+:\s/.test(l)
    const addresses = lines.filter(isAddress).map((l) => l.trim().split(/\s+/)).map((f) => `${f[1]} ${f[3]}`).sort()
    return [...addresses, ...lines.filter((l) => !isAddress(l))].join('\n')
  },
}
