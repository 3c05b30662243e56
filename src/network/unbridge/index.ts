/** The way back of each network backend, by the backend's name (src/network/backend.ts chooses the backend). */
import { KvmplayError } from '../../core/errors.ts'
import type { Unbridger } from './types.ts'
import { ifcfgUnbridger } from './ifcfg.ts'
import { ifupdownUnbridger } from './ifupdown.ts'
import { networkManagerUnbridger } from './networkmanager.ts'
import { netplanUnbridger } from './netplan.ts'
import { networkdUnbridger } from './networkd.ts'

const UNBRIDGERS: Record<string, Unbridger> = {
  ifcfg: ifcfgUnbridger,
  ifupdown: ifupdownUnbridger,
  networkmanager: networkManagerUnbridger,
  netplan: netplanUnbridger,
  networkd: networkdUnbridger,
}

/** The way back of the backend that keeps this host's uplink; a backend without one is refused before anything changes. */
export function unbridgerFor(backend: string, bridge: string): Unbridger {
  const u = UNBRIDGERS[backend]
  if (!u) {
    throw new KvmplayError(
      'precondition',
      `kvmplay cannot yet remove a bridge kept by ${backend} (it can for ${Object.keys(UNBRIDGERS).join(', ')}): keep ${bridge} (remove_bridge=false) or remove it by hand; nothing was changed`,
    )
  }
  return u
}
