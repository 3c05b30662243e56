/**
 * The one order of a LibvirtState, whichever way it was read: virsh's own
 * (net-list and list sort so), so the RPC read and the virsh script give
 * equal states and a change's report lists networks and guests as virsh
 * would.
 */
import type { LibvirtDomain, LibvirtState } from './libvirt.ts'

/** virsh's vshStrcasecmp: ASCII letters without case, everything else by its code. */
const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
const byName = (a: string, b: string) => {
  const [x, y] = [lower(a), lower(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

/** A domain with an id: virsh lists these first. (Over RPC, no id means shut off; virsh says shut off only of those.) */
const isActive = (d: LibvirtDomain) => d.state !== 'shut off'

/**
 * The state in virsh's order: networks by name, case aside; running
 * domains first, by id, then the others by name. `idOf` gives a running
 * domain's id where the reader knows it (RPC); without it, running domains
 * keep the order they came in (virsh listed them by id).
 */
export function orderLibvirtState(state: LibvirtState, idOf?: (name: string) => number): LibvirtState {
  const networks = [...state.networks].sort(([a], [b]) => byName(a, b))
  const domains = [...state.domains].sort(([an, a], [bn, b]) => {
    if (isActive(a) !== isActive(b)) return isActive(a) ? -1 : 1
    if (!isActive(a)) return byName(an, bn)
    return idOf ? idOf(an) - idOf(bn) : 0
  })
  return { ...state, networks: new Map(networks), domains: new Map(domains) }
}
