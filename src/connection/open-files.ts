/**
 * The controller's open-file limit against what a run needs: a socket per
 * host connected at once (two while a cutover logs in again beside the
 * first), one per jump host, and what Node itself holds. Node cannot call
 * setrlimit, but prlimit(1) can raise this process's soft limit up to its
 * hard one; past the hard limit the run stops before any host is
 * contacted, saying how to raise it.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { KvmplayError } from '../core/errors.ts'

/** What Node, the bundle and the run's files use beside the sockets. */
const BASE = 64

export const openFilesNeeded = (hostsAtOnce: number, jumpHosts: number) => BASE + 2 * hostsAtOnce + jumpHosts

/** The soft and hard limits (`Max open files` of /proc/self/limits); undefined where there is no /proc. */
export function openFileLimits(limits = '/proc/self/limits'): { soft: number; hard: number } | undefined {
  let text: string
  try {
    text = readFileSync(limits, 'utf8')
  } catch {
    return undefined
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text)
  if (!m) return undefined
  const n = (v: string) => (v === 'unlimited' ? Infinity : Number(v))
  return { soft: n(m[1]), hard: n(m[2]) }
}

/** Raises the soft limit to `needed` if the hard limit allows; else fails saying how to raise it. */
export function ensureOpenFiles(needed: number, hostsAtOnce: number): void {
  const limits = openFileLimits()
  if (!limits || limits.soft >= needed) return
  if (limits.hard >= needed) {
    spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${needed}:${limits.hard === Infinity ? 'unlimited' : limits.hard}`], { stdio: 'ignore' })
    if ((openFileLimits()?.soft ?? 0) >= needed) return
  }
  throw new KvmplayError(
    'usage',
    `kvmplay needs about ${needed} open files for ${hostsAtOnce} hosts at once, and this process may open ${limits.soft}` +
      (limits.hard < needed ? ` (hard limit ${limits.hard})` : ' (prlimit could not raise it)') +
      `: raise it (ulimit -n ${needed}; as root, or in /etc/security/limits.conf, for a hard limit) or lower --forks`,
  )
}
