/**
 * Which distribution the host runs, from /etc/os-release (every systemd-era
 * distribution has it): what tasks that depend on the distribution's tools
 * (packages: apt or dnf) decide by, read once per host.
 */
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export interface OsRelease {
  /** ID: 'debian', 'ubuntu', 'rocky'. */
  id: string
  /** ID_LIKE, split: ['debian'], ['rhel', 'centos', 'fedora']. */
  like: string[]
  /** VERSION_ID: '12', '24.04', '9.4' ('' where the file has none, as on Debian testing). */
  version: string
}

/** The KEY=value lines of os-release, values unquoted (the file is a shell fragment of simple assignments). */
export function parseOsRelease(text: string): OsRelease {
  const vars = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) vars.set(m[1], m[2].replace(/^(["'])(.*)\1$/, '$2'))
  }
  return { id: (vars.get('ID') ?? 'linux').toLowerCase(), like: (vars.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean), version: vars.get('VERSION_ID') ?? '' }
}

export const osFact: Fact<OsRelease, void> = {
  name: 'os-release',
  describe: () => 'os-release',
  reads: () => [resource.path('/etc/os-release'), resource.path('/usr/lib/os-release')],
  // /etc/os-release is a symlink to /usr/lib/os-release on most systems; either is the standard place.
  command: () => 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
  parse: (res) => {
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read /etc/os-release or /usr/lib/os-release (exit ${res.code}): ${res.stderr.trim()}`)
    return parseOsRelease(res.stdout)
  },
}

export type PackageManager = 'apt' | 'dnf'

/** The host's own package manager, or undefined where kvmplay knows none for it. */
export function packageManagerOf(os: OsRelease): PackageManager | undefined {
  const family = [os.id, ...os.like]
  if (family.some((f) => f === 'debian' || f === 'ubuntu')) return 'apt'
  if (family.some((f) => ['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'ol'].includes(f))) return 'dnf'
  return undefined
}
