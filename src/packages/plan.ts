/**
 * What a packages task must do, from what the host's manager says: pure, so
 * it is tested with canned output. The apt cache is refreshed only when a
 * change needs it — a package to install it does not know, or a cache older
 * than `cacheValidTime` when something is to be installed or kept latest —
 * never for a converged host.
 */
import { KvmplayError } from '../core/errors.ts'
import type { PackageManager } from '../facts/os.ts'
import type { PackagesState } from './read.ts'

export type PackageWant = 'present' | 'absent' | 'latest'

export interface PackageChanges {
  /** Why the cache is refreshed first, or undefined: not refreshed. */
  refresh?: string
  install: string[]
  /** Installed, with a newer candidate (or, after a refresh, perhaps one). */
  upgrade: string[]
  remove: string[]
}

export const isNoChange = (c: PackageChanges) => !c.refresh && !c.install.length && !c.upgrade.length && !c.remove.length

export function planPackages(host: string, manager: PackageManager, names: readonly string[], want: PackageWant, state: PackagesState, cacheValidTime: number): PackageChanges {
  const pkg = (n: string) => state.packages[n] ?? { known: false, held: false }
  const install = want === 'absent' ? [] : names.filter((n) => pkg(n).installed === undefined)
  const remove = want === 'absent' ? names.filter((n) => pkg(n).installed !== undefined) : []
  const newer = (n: string) => pkg(n).installed !== undefined && pkg(n).candidate !== undefined && pkg(n).candidate !== pkg(n).installed
  let upgrade = want === 'latest' ? names.filter(newer) : []
  let refresh: string | undefined
  if (manager === 'apt' && want !== 'absent') {
    const unknown = install.filter((n) => !pkg(n).known)
    const age = state.cacheAge
    const stale = age === undefined || age > cacheValidTime
    const staleWhy = age === undefined ? 'never refreshed' : `${age} s old, over cacheValidTime ${cacheValidTime} s`
    if (unknown.length) refresh = `${unknown.join(', ')} unknown to it`
    else if (stale && (install.length || want === 'latest')) refresh = staleWhy
    // A virtual package installs its provider, and then reads as never installed: every run would install it again.
    const virtual = install.filter((n) => pkg(n).known && pkg(n).candidate === undefined)
    if (virtual.length && !refresh) {
      throw new KvmplayError('precondition', `${host}: ${virtual.join(', ')} has no installable version in apt's cache (a virtual package?): name the package that provides it (apt-cache showpkg ${virtual[0]})`)
    }
    // A refreshed cache may have newer versions than the one read: every installed package is asked for its newest (apt leaves the newest alone).
    if (refresh && want === 'latest') upgrade = names.filter((n) => pkg(n).installed !== undefined && (newer(n) || !pkg(n).held))
  }
  if (manager === 'dnf') {
    const unknown = install.filter((n) => !pkg(n).known)
    if (unknown.length) throw new KvmplayError('precondition', `${host}: no package ${unknown.join(', ')} in dnf's repositories: check the name and the host's repositories (dnf repolist)`)
  }
  // apt will neither upgrade nor remove a held package: said before anything runs, naming it.
  const held = [...upgrade, ...remove].filter((n) => pkg(n).held)
  if (held.length) {
    throw new KvmplayError('precondition', `${host}: package ${held.join(', ')} is held (apt-mark showhold), so apt will not ${remove.some((n) => held.includes(n)) ? 'remove' : 'upgrade'} it: \`apt-mark unhold ${held.join(' ')}\` to let kvmplay change it, or leave it out of this task`)
  }
  return { refresh, install, upgrade, remove }
}
