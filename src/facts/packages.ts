/**
 * Some packages as the host's own package manager sees them (src/packages/read.ts
 * parses it): one read-only command, whatever the number of packages, so a
 * task of twenty packages costs one round trip.
 */
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import { KvmplayError } from '../core/errors.ts'
import { parseAptState, parseDnfState } from '../packages/read.ts'
import type { PackagesState } from '../packages/read.ts'
import type { PackageManager } from './os.ts'
import type { Fact } from './fact.ts'

export interface PackagesArgs {
  manager: PackageManager
  names: string[]
}

/**
 * apt: the dpkg database for what is installed and held, the cache's policy
 * for candidates (a package it does not list is unknown to it), and the
 * cache's age: the newest of Ubuntu's update-success stamp (which kvmplay's
 * refresh also touches) and the lists directory.
 */
const aptCommand = (names: string[]) =>
  [
    `echo '#status'; ${sh`dpkg-query -W -f='\${Package}\t\${Status}\t\${Version}\n' -- ${names}`} 2>/dev/null`,
    `echo '#policy'; ${sh`LC_ALL=C apt-cache policy -- ${names}`} 2>/dev/null`,
    "echo '#cache'; date +%s; stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null",
    'exit 0',
  ].join('\n')

/** dnf: rpm's database, and the newest version its repositories offer (dnf keeps its own cache fresh by metadata_expire). */
const dnfCommand = (names: string[]) =>
  [
    `echo '#installed'; ${sh`rpm -q --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n' -- ${names}`} 2>/dev/null`,
    `echo '#available'; ${sh`dnf -q repoquery --latest-limit 1 --qf '%{name}\t%{epoch}:%{version}-%{release}\n' -- ${names}`} 2>/dev/null`,
    'exit 0',
  ].join('\n')

export const packagesFact: Fact<PackagesState, PackagesArgs> = {
  name: 'packages',
  describe: ({ manager, names }) => `${manager} packages ${names.join(' ')}`,
  reads: () => [resource.packages],
  command: ({ manager, names }) => (manager === 'apt' ? aptCommand(names) : dnfCommand(names)),
  parse: (res, { manager, names }) => {
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read the ${manager} package state (exit ${res.code}): ${res.stderr.trim()}`)
    return manager === 'apt' ? parseAptState(res.stdout, names) : parseDnfState(res.stdout, names)
  },
}
