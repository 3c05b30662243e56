/**
 * The network system that keeps this host's uplink: the one the playbook
 * named (it must run here), else the one system that claims the uplink.
 * Two systems claiming it is an error naming both, before anything changes:
 * kvmplay would persist the bridge where the other overrides it. No system
 * claiming it is an error too, saying what was found — a bridge persisted
 * where nothing reads it vanishes at the next boot, with every guest moved
 * onto it — unless the playbook asks for a bridge that lasts until the next
 * reboot only (`untilReboot`: the fallback's runtime change, nothing
 * persisted). An uplink the chosen system cannot bridge (a bond, a VLAN) is
 * refused here too.
 */
import { KvmplayError } from '../core/errors.ts'
import type { NetworkFacts, NetworkSystem } from './system.ts'
import { refuseUnsupportedUplink } from './uplink.ts'
import type { Uplink } from './uplink.ts'

export interface Choice {
  /** The system the playbook named (backend). */
  forced?: string
  /** A bridge on the running host only, gone at the next boot (untilReboot). */
  untilReboot?: boolean
}

export function chooseSystem<S extends NetworkSystem>(systems: readonly S[], facts: NetworkFacts, uplink: Uplink, bridge: string, choice: Choice = {}): S {
  const chosen = claimant(systems, facts, uplink, bridge, choice)
  refuseUnsupportedUplink(chosen, uplink)
  return chosen
}

function claimant<S extends NetworkSystem>(systems: readonly S[], facts: NetworkFacts, uplink: Uplink, bridge: string, { forced, untilReboot }: Choice): S {
  const names = systems.map((s) => s.name).join(', ')
  const fallback = systems.find((s) => s.fallback)
  if (forced !== undefined) {
    const named = systems.find((s) => s.name === forced)
    if (!named) throw new KvmplayError('validation', `unknown network backend ${JSON.stringify(forced)}: expected ${names}`)
    if (named !== fallback && !named.claims(facts, uplink, bridge)) {
      throw new KvmplayError('precondition', `backend ${forced} was asked for, but ${forced} does not keep ${uplink.name} on this host; nothing was changed`)
    }
    return named
  }
  const claims = systems.flatMap((s) => {
    const why = s.claims(facts, uplink, bridge)
    return why ? [{ s, why }] : []
  })
  if (claims.length > 1) {
    throw new KvmplayError('precondition', `${uplink.name} is claimed by ${claims.map((c) => `${c.s.name} (${c.why})`).join(' and by ')}: say which with backend, or remove one; nothing was changed`)
  }
  const [claim] = claims
  if (claim && untilReboot) {
    throw new KvmplayError(
      'precondition',
      `untilReboot was asked for, but ${claim.s.name} keeps ${uplink.name} here (${claim.why}) and would take it back from a bridge it does not know: drop untilReboot and let kvmplay persist the bridge in ${claim.s.name}; nothing was changed`,
    )
  }
  if (claim) return claim.s
  if (untilReboot && fallback) return fallback
  const found = systems.flatMap((s) => s.found?.(facts, uplink) ?? [])
  throw new KvmplayError(
    'precondition',
    `no network system that kvmplay knows keeps ${uplink.name} on this host (${found.length ? found.join('; ') : 'none of them runs or has files here'}), so a bridge persisted by kvmplay would vanish at the next boot: name the system that brings ${uplink.name} up with backend (${names}), or ask for a bridge that lasts until the next reboot only with untilReboot: true; nothing was changed`,
  )
}
