/**
 * Reservations of the previous file for guests this run cannot see: those of
 * hosts outside it (a run limited to some hosts, a canary batch) and entries
 * that say no host (written by hand). They stay in the file, with their
 * address where it still fits, so limiting a run never drops another host's
 * guests. A guest of a host in the run that is gone is dropped: it is gone.
 */
import type { NatIdentity } from './types.ts'
import type { PreviousEntry } from './reservations-previous.ts'

export function carriedOver(previous: readonly PreviousEntry[], seen: readonly NatIdentity[], hostsInRun: ReadonlySet<string>): NatIdentity[] {
  const macs = new Set(seen.map((n) => n.mac.toLowerCase()))
  return previous
    .filter((p) => !macs.has(p.mac) && !(p.host !== undefined && hostsInRun.has(p.host)))
    .map((p) => ({
      host: p.host ?? '(previous file)',
      guest: p.guest ?? p.name ?? p.mac,
      mac: p.mac,
      network: 'unknown',
      state: 'unknown',
      assignedBy: 'none',
      hostname: p.name,
    }))
}
