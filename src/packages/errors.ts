/**
 * A failed apt or dnf run, said plainly: the lock another apt holds (a fresh
 * host's unattended-upgrades is the usual one), a package its cache does not
 * know, a held one — each naming the package or lock and what to do.
 * Anything else: the manager's own last lines.
 */
import { KvmplayError } from '../core/errors.ts'
import type { ExecResult } from '../connection/types.ts'

export function packageFailure(host: string, what: string, res: ExecResult): KvmplayError {
  const out = `${res.stderr}\n${res.stdout}`
  const lock = /Could not get lock (\S+?)\.?(?:\s|$)/.exec(out)
  if (lock) {
    const holder = /held by process (\d+) \(([^)]+)\)/.exec(out)
    return new KvmplayError(
      'precondition',
      `${host}: ${what}: ${lock[1]} is locked by another package manager${holder ? ` (${holder[2]}, pid ${holder[1]})` : ''} — on a fresh host usually unattended-upgrades or apt-daily; wait for it to finish (systemctl status apt-daily apt-daily-upgrade unattended-upgrades) and run again, or raise lockTimeout`,
    )
  }
  if (/dpkg was interrupted/.test(out)) {
    return new KvmplayError('precondition', `${host}: ${what}: an earlier dpkg run was interrupted and left packages half configured: run \`dpkg --configure -a\` on the host (as root), then run again`)
  }
  const unknown = /Unable to locate package (\S+)|No match for argument: (\S+)/.exec(out)
  if (unknown) {
    return new KvmplayError('precondition', `${host}: ${what}: no package ${unknown[1] ?? unknown[2]} in the host's repositories (after refreshing the cache): check its name and the host's sources`)
  }
  const held = /Held packages were changed|held broken packages/.exec(out)
  if (held) return new KvmplayError('precondition', `${host}: ${what}: apt refused because of held packages: see \`apt-mark showhold\`, and \`apt-mark unhold NAME\` the ones kvmplay may change`)
  const tail = out.trim().split('\n').filter((l) => l.trim()).slice(-4).join('\n')
  return new KvmplayError('command', `${host}: ${what} failed (exit ${res.code})${tail ? `: ${tail}` : ''}`)
}
