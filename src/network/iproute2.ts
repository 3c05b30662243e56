/** The running host's change as iproute2 commands: from the links and routes as they are to the bridge as wished. */
import { KvmplayError } from '../core/errors.ts'
import type { HostNetwork } from '../facts/network.ts'
import type { BridgeWish } from './wish.ts'

/** The iproute2 commands (one `ip -batch`) that take the live host from `net` to the wish; none when it is there. */
export function iproute2Plan(w: BridgeWish, net: HostNetwork): string[] {
  const link = (name: string) => net.links.find((l) => l.name === name)
  const br = link(w.bridge)
  const nic = link(w.device)!
  const cmds: string[] = []
  if (br && br.kind !== 'bridge') throw new KvmplayError('precondition', `${w.bridge} exists and is a ${br.kind ?? 'plain'} interface, not a bridge`)
  if (!br) cmds.push(`link add ${w.bridge} type bridge stp_state ${w.stp ? 1 : 0} forward_delay ${w.delay * 100}`)
  // The bridge takes the NIC's MAC, as initscripts do: DHCP reservations and ARP caches stay right.
  if (!br || br.mac !== nic.mac) cmds.push(`link set ${w.bridge} address ${nic.mac}`)
  if (!br || !br.up) cmds.push(`link set ${w.bridge} up`)
  if (nic.master !== w.bridge) cmds.push(`link set ${w.device} master ${w.bridge}`)
  if (w.address && w.prefix !== undefined) {
    const cidr = `${w.address}/${w.prefix}`
    const has = (l: typeof br) => l?.addresses.some((a) => a.address === w.address && a.prefix === w.prefix)
    if (!has(br)) cmds.push(`addr add ${cidr} dev ${w.bridge}`)
    // A bridge port carries no address of its own: whatever the NIC had goes.
    for (const a of nic.addresses) cmds.push(`addr del ${a.address}/${a.prefix} dev ${w.device}`)
    const def = net.routes.find((r) => r.dst === 'default')
    if (w.gateway && (def?.dev !== w.bridge || def?.gateway !== w.gateway || cmds.length > 0)) cmds.push(`route replace default via ${w.gateway} dev ${w.bridge}`)
  }
  return cmds
}

/** The commands as one `ip -batch` (one process). */
export const ipBatch = (cmds: string[]) => `ip -batch - <<'KVMPLAY_IPBATCH'\n${cmds.join('\n')}\nKVMPLAY_IPBATCH`
