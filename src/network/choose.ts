/**
 * The network system that keeps this host's uplink: the one the playbook
 * named (it must run here), else the one system that claims the uplink, else
 * the fallback. Two systems claiming it is an error naming both, before
 * anything changes: kvmplay would persist the bridge where the other
 * overrides it. An uplink the chosen system cannot bridge (a bond, a VLAN)
 * is refused here too.
 */
import { KvmplayError } from '../core/errors.ts'
import type { NetworkFacts, NetworkSystem } from './system.ts'
import { refuseUnsupportedUplink } from './uplink.ts'
import type { Uplink } from './uplink.ts'

export function chooseSystem<S extends NetworkSystem>(systems: readonly S[], facts: NetworkFacts, uplink: Uplink, bridge: string, forced?: string): S {
  const chosen = claimant(systems, facts, uplink, bridge, forced)
  refuseUnsupportedUplink(chosen, uplink)
  return chosen
}

function claimant<S extends NetworkSystem>(systems: readonly S[], facts: NetworkFacts, uplink: Uplink, bridge: string, forced?: string): S {
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
  const claims = systems.filter((s) => s !== fallback).flatMap((s) => {
    const why = s.claims(facts, uplink, bridge)
    return why ? [{ s, why }] : []
  })
  if (claims.length > 1) {
    throw new KvmplayError('precondition', `${uplink.name} is claimed by ${claims.map((c) => `${c.s.name} (${c.why})`).join(' and by ')}: say which with backend, or remove one; nothing was changed`)
  }
  const chosen = claims[0]?.s ?? fallback
  if (!chosen) throw new KvmplayError('precondition', `no network backend recognises this host's network (tried ${names})`)
  return chosen
}
