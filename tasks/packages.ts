/**
 * packages: some packages installed (at their newest, with `latest`) or
 * absent, through the host's own package manager — apt on Debian and
 * Ubuntu, dnf on RHEL-likes — chosen from /etc/os-release. One transaction
 * per task; apt's cache refreshed only when a change needs it
 * (src/packages/plan.ts); a held package or a locked dpkg is an error that
 * names it and says what to do.
 *
 * Recommends: installed, as apt itself and Ansible's apt module do by
 * default (dnf: weak dependencies, likewise); `installRecommends: false`
 * for a lean host.
 */
import { defineTask } from '../src/core/task.ts'
import type { ConnectionStep, Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { osFact, packageManagerOf } from '../src/facts/os.ts'
import type { PackageManager } from '../src/facts/os.ts'
import { packagesFact } from '../src/facts/packages.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { isNoChange, planPackages } from '../src/packages/plan.ts'
import type { PackageChanges, PackageWant } from '../src/packages/plan.ts'
import { aptInstallCommand, aptRefreshCommand, dnfCommand } from '../src/packages/commands.ts'
import type { AptSettings } from '../src/packages/commands.ts'
import { packageFailure } from '../src/packages/errors.ts'
import { boolean, checkOptions, listOf, literal, number, object, oneOf, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface PackagesOptions extends TaskOptions {
  /** One package or several: 'qemu-kvm', ['libvirt-daemon-system', 'libvirt-clients']. */
  names: string | string[]
  /** Default 'present' ('installed' is its Ansible spelling). */
  state?: 'present' | 'installed' | 'absent' | 'latest'
  /** apt: refresh the cache before installing when it is older than this (seconds). Default 3600. */
  cacheValidTime?: number
  /** Install recommended packages (dnf: weak dependencies). Default true, apt's and Ansible's default. */
  installRecommends?: boolean
  /** apt: with state absent, remove the configuration files too. Default false. */
  purge?: boolean
  /** apt: seconds to wait for another apt's lock before failing. Default 60, as Ansible's lock_timeout. */
  lockTimeout?: number
}

/** What packages() takes, checked when the playbook loads (shape.ts). */
export const packagesShape = object<PackagesOptions>({
  ...taskOptionFields,
  names: required(oneOf(string, listOf(string))),
  state: literal('present', 'installed', 'absent', 'latest'),
  cacheValidTime: number,
  installRecommends: boolean,
  purge: boolean,
  lockTimeout: number,
})

/** Debian's package names (policy 5.6.1), with an optional :arch; dnf's are a superset in practice. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+._-]*(:[a-z0-9]+)?$/i

/** How long one apt or dnf run may take. */
const PACKAGE_TIMEOUT_MS = 1_800_000

/** A step whose failure is read for the lock, an unknown package or a hold (src/packages/errors.ts). */
function packageStep(summary: string, command: string): ConnectionStep {
  return {
    summary,
    // No touches: a package writes files anywhere, adds units, users and modules — every fact is read again.
    run: async (conn, ctx) => {
      // A transaction of the virtualization stack downloads and configures hundreds of MB: longer than a command's usual 600 s may be.
      const res = await conn.exec(command, { label: summary, timeoutMs: PACKAGE_TIMEOUT_MS })
      if (res.code !== 0) throw packageFailure(ctx.host, summary, res)
    },
  }
}

function describeChanges(c: PackageChanges): string {
  return [
    c.install.length ? `install ${c.install.join(', ')}` : '',
    c.upgrade.length ? `upgrade ${c.upgrade.join(', ')}${c.refresh ? ' where newer' : ''}` : '',
    c.remove.length ? `remove ${c.remove.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ')
}

export function packageSteps(manager: PackageManager, c: PackageChanges, apt: AptSettings): Step[] {
  const steps: Step[] = []
  if (manager === 'apt' && c.refresh) steps.push(packageStep(`refresh the apt cache (${c.refresh})`, aptRefreshCommand(apt)))
  const what = describeChanges(c)
  if (what) steps.push(packageStep(`${manager}: ${what}`, manager === 'apt' ? aptInstallCommand(c, apt) : dnfCommand(c, apt.installRecommends)))
  return steps
}

/**
 * @example
 * ```ts
 * packages({ names: ['qemu-system-x86', 'libvirt-daemon-system', 'libvirt-clients'] })
 * packages({ names: 'unattended-upgrades', state: 'absent' })
 * ```
 */
export function packages(opts: PackagesOptions): Task {
  checkOptions('packages', opts, packagesShape)
  const names = [...new Set(Array.isArray(opts.names) ? opts.names : [opts.names])]
  if (!names.length) throw new KvmplayError('validation', 'packages: `names` is empty')
  const bad = names.find((n) => !PACKAGE_NAME.test(n))
  if (bad !== undefined) throw new KvmplayError('validation', `packages: invalid package name ${JSON.stringify(bad)}`)
  const want: PackageWant = opts.state === 'installed' || opts.state === undefined ? 'present' : opts.state
  const cacheValidTime = opts.cacheValidTime ?? 3600
  const apt: AptSettings = { installRecommends: opts.installRecommends ?? true, purge: opts.purge ?? false, lockTimeout: opts.lockTimeout ?? 60 }
  return defineTask(
    {
      name: `packages ${names.join(', ')} ${want}`,
      // The manager is read from os-release first; the packages' state needs it, so it is read in plan.
      facts: () => ({ os: factRequest(osFact, undefined) }),
      plan: async (host, { os }) => {
        const manager = packageManagerOf(os)
        if (!manager) throw new KvmplayError('precondition', `${host.name}: no package manager kvmplay knows for ${os.id}${os.like.length ? ` (like ${os.like.join(' ')})` : ''}: apt (Debian, Ubuntu) and dnf (RHEL-likes) are`)
        const state = await host.fact(packagesFact, { manager, names })
        const changes = planPackages(host.name, manager, names, want, state, cacheValidTime)
        if (isNoChange(changes)) {
          const reason = want === 'absent' ? `${names.join(', ')} not installed` : `${names.join(', ')} installed${want === 'latest' ? ' at their newest' : ''}`
          return { steps: [], reason }
        }
        return { steps: packageSteps(manager, changes, apt) }
      },
    },
    opts,
  )
}
