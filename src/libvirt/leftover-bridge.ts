/**
 * A bridge that libvirt would create but that is already there, held by no
 * active network: what a libvirtd stopped in the middle of starting or
 * destroying a network leaves (virbr0 with its address, no port). libvirt
 * then refuses to start the network ("error creating bridge interface
 * virbr0: File exists") until someone deletes it by hand. Pure: from the
 * host's links and libvirt's networks, whether the start would hit one, and
 * whether it is safe to remove (no port on it: nothing is cut off).
 */
import { KvmplayError } from '../core/errors.ts'

/** What it needs of the host's links and of libvirt's networks (facts/network.ts, facts/libvirt.ts have more). */
interface LinkSeen {
  name: string
  kind?: string
  master?: string
}
interface NetworkSeen {
  active: boolean
  spec: { bridge?: string }
}

/** undefined: nothing in the way; else the bridge to delete before the start. Throws when something uses it. */
export function leftoverBridge(host: string, network: string, bridge: string, net: { links: readonly LinkSeen[] }, state: { networks: ReadonlyMap<string, NetworkSeen> }): string | undefined {
  const link = net.links.find((l) => l.name === bridge)
  if (!link) return undefined
  const holder = [...state.networks.entries()].find(([name, n]) => name !== network && n.active && n.spec.bridge === bridge)?.[0]
  if (holder) {
    throw new KvmplayError('precondition', `${host}: network ${network} cannot start: its bridge ${bridge} is held by network ${holder}, which is active; give ${network} another bridge or stop ${holder}; nothing was changed`)
  }
  if (link.kind !== 'bridge') {
    throw new KvmplayError('precondition', `${host}: network ${network} cannot start: ${bridge} exists and is not a bridge (${link.kind ?? 'a NIC'}); give ${network} another bridge name; nothing was changed`)
  }
  const ports = net.links.filter((l) => l.master === bridge).map((l) => l.name)
  if (ports.length > 0) {
    throw new KvmplayError(
      'precondition',
      `${host}: network ${network} cannot start: a bridge ${bridge} exists that no active libvirt network holds, with ports ${ports.join(', ')}; libvirt creates ${bridge} itself — take the ports off and delete it (ip link del ${bridge}), or give ${network} another bridge; nothing was changed`,
    )
  }
  return bridge
}
