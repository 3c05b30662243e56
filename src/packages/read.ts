/**
 * What a host's package manager says about some packages, parsed: the
 * version installed, the version its cache would install (the candidate),
 * whether it knows the package at all, whether it is held, and how old the
 * cache is. Pure parsers of canned output; the commands are in
 * src/facts/packages.ts.
 */
import { sections } from '../facts/sections.ts'

export interface PackageState {
  /** The version installed, or undefined. */
  installed?: string
  /** What an install would bring: apt's Candidate, dnf's newest in its repositories. */
  candidate?: string
  /** The cache (or the database, for an installed one) knows the package. */
  known: boolean
  /** Held (dpkg's want state `hold`, apt-mark hold): apt will neither upgrade nor remove it. */
  held: boolean
}

export interface PackagesState {
  packages: Record<string, PackageState>
  /** Seconds since the cache was last refreshed (apt); undefined where never, or where the manager keeps its own (dnf). */
  cacheAge?: number
}

/** `dpkg-query -W -f='${Package}\t${Status}\t${Version}\n'` lines: installed versions and holds. */
export function parseDpkgStatus(lines: readonly string[]): Map<string, { installed?: string; held: boolean }> {
  const out = new Map<string, { installed?: string; held: boolean }>()
  for (const line of lines) {
    const [name, status = '', version = ''] = line.split('\t')
    const [want, , state] = status.split(' ')
    // 'config-files' (removed, its configuration kept) and 'half-installed' are not installed for a task that wants the package.
    out.set(name, { installed: state === 'installed' && version ? version : undefined, held: want === 'hold' })
  }
  return out
}

/** `LC_ALL=C apt-cache policy NAMES`: each known package's candidate ('(none)': known, nothing installable). */
export function parseAptPolicy(lines: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>()
  let name: string | undefined
  for (const line of lines) {
    const head = /^(\S+?)(:[a-z0-9]+)?:$/.exec(line)
    if (head) {
      name = head[1]
      out.set(name, undefined)
      continue
    }
    const cand = /^\s+Candidate:\s+(\S+)/.exec(line)
    if (cand && name) out.set(name, cand[1] === '(none)' ? undefined : cand[1])
  }
  return out
}

/** The apt fact's output: sections status, policy and cache (now, then the newest refresh stamp, if any). */
export function parseAptState(text: string, names: readonly string[]): PackagesState {
  const s = sections(text)
  const status = parseDpkgStatus(s.get('status') ?? [])
  const policy = parseAptPolicy(s.get('policy') ?? [])
  const [now, ...stamps] = (s.get('cache') ?? []).map(Number).filter((n) => Number.isFinite(n) && n > 0)
  const newest = stamps.length ? Math.max(...stamps) : undefined
  const packages: Record<string, PackageState> = {}
  for (const name of names) {
    const st = status.get(name)
    packages[name] = { installed: st?.installed, candidate: policy.get(name), known: policy.has(name) || st?.installed !== undefined, held: st?.held ?? false }
  }
  return { packages, cacheAge: now !== undefined && newest !== undefined ? Math.max(0, now - newest) : undefined }
}

/** The dnf fact's output: sections installed (`rpm -q --qf`) and available (`dnf repoquery --qf`), both NAME\tEPOCH:VERSION-RELEASE. */
export function parseDnfState(text: string, names: readonly string[]): PackagesState {
  const s = sections(text)
  const table = (lines: readonly string[]) => {
    const out = new Map<string, string>()
    // rpm prints "package X is not installed" for a missing one: no tab, skipped.
    for (const line of lines) {
      const [name, evr] = line.split('\t')
      if (evr) out.set(name, evr.replace(/^\(none\):|^0:/, ''))
    }
    return out
  }
  const installed = table(s.get('installed') ?? [])
  const available = table(s.get('available') ?? [])
  const packages: Record<string, PackageState> = {}
  for (const name of names) {
    packages[name] = { installed: installed.get(name), candidate: available.get(name) ?? installed.get(name), known: installed.has(name) || available.has(name), held: false }
  }
  return { packages }
}
