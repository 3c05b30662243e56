/**
 * What the ifupdown and netplan backends share about the running host:
 * whether it is bridged as wished already (the kernel's view, facts.net).
 */
import type { HostNetwork } from '../../facts/network.ts'
import { iproute2Plan } from '../iproute2.ts'
import type { BridgeWish } from '../wish.ts'

/** The bridge exists with the device as its port, every wished address (v4 and v6) on it, the default route through it. */
export function bridgedAsWished(w: BridgeWish, net: HostNetwork): boolean {
  if (iproute2Plan(w, net).length > 0) return false
  const br = net.links.find((l) => l.name === w.bridge)
  const nic = net.links.find((l) => l.name === w.device)
  if (!br || !nic) return false
  const on = (list: { address: string; prefix: number }[], a: { address: string; prefix: number }) => list.some((x) => x.address === a.address && x.prefix === a.prefix)
  if (!w.addresses.every((a) => on(br.addresses, a)) || !w.addresses6.every((a) => on(br.addresses6, a))) return false
  // A port carries no address of its own.
  if (nic.addresses.length > 0 || nic.addresses6.length > 0) return false
  return !w.gateway6 || net.routes6.some((r) => r.dev === w.bridge && r.gateway === w.gateway6)
}
