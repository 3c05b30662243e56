/**
 * The running value of a kernel parameter, read from /proc/sys (no procps
 * needed) by cat: not by the shell's read, which takes a byte at a time, and
 * /proc/sys answers a read past the start with end-of-file.
 */
import { sh } from '../core/quote.ts'
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export const procSysPath = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`

/** Multi-value parameters print tab-separated; compare them with single spaces. */
export const normaliseSysctl = (value: string) => value.trim().split(/\s+/).join(' ')

export const sysctlFact: Fact<string | undefined, string> = {
  describe: (key) => `sysctl ${key}`,
  name: 'sysctl',
  reads: (key) => [resource.sysctl(key)],
  command: (key) => sh`if [ -e ${procSysPath(key)} ]; then cat ${procSysPath(key)}; else echo absent; exit 3; fi`,
  parse: (res, key) => {
    if (res.code === 3) return undefined
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read ${procSysPath(key)} (exit ${res.code}): ${res.stderr.trim()}`)
    return normaliseSysctl(res.stdout)
  },
}
