/**
 * The commands that change packages: one transaction per host for apt
 * (`apt-get install a b c-`: installs, upgrades and removals together, so a
 * dependency moved from one package to another is never half done), and for
 * dnf its install, upgrade and remove in one script.
 */
import { sh } from '../core/quote.ts'
import type { PackageChanges } from './plan.ts'

export interface AptSettings {
  /** apt's own default (and Ansible's): recommended packages come too. */
  installRecommends: boolean
  purge: boolean
  /** Seconds apt waits for another apt's lock before failing (apt ≥ 1.9.11; older apt ignores it and fails at once). */
  lockTimeout: number
}

const aptGet = (lockTimeout: number) => sh`DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=${lockTimeout}`

/** apt-get update, then the stamp the cache's age is read from (Ubuntu's update-notifier writes the same one). */
export const aptRefreshCommand = (s: AptSettings) =>
  `${aptGet(s.lockTimeout)} update && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp`

/**
 * The transaction. --force-confdef/--force-confold: a configuration file the
 * admin changed is kept, never asked about (there is no one to answer).
 */
export function aptInstallCommand(c: PackageChanges, s: AptSettings): string {
  const words = [...c.install, ...c.upgrade, ...c.remove.map((n) => `${n}-`)]
  const flags = [...(s.installRecommends ? [] : ['--no-install-recommends']), ...(s.purge ? ['--purge'] : [])]
  return `${aptGet(s.lockTimeout)} ${sh`-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${flags} install -- ${words}`}`.replace(/ {2,}/g, ' ')
}

export function dnfCommand(c: PackageChanges, installRecommends: boolean): string {
  const weak = installRecommends ? '' : ' --setopt=install_weak_deps=False'
  return [
    c.install.length ? sh`dnf -y -q` + weak + sh` install -- ${c.install}` : '',
    c.upgrade.length ? sh`dnf -y -q upgrade -- ${c.upgrade}` : '',
    c.remove.length ? sh`dnf -y -q remove -- ${c.remove}` : '',
  ]
    .filter(Boolean)
    .join(' && ')
}
