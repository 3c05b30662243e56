/**
 * kvmplay's own configuration file: $KVMPLAY_CONFIG, else kvmplay.yaml or
 * .kvmplay.yaml in the current directory — a YAML map of `kvmplay run`'s
 * options by their flag names (`inventory: hosts.yaml`, `forks: 20`,
 * `become: true`). A key that is no option is refused, naming it, with the
 * closest one; paths are taken from the file's directory.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parse } from 'yaml'
import { KvmplayError } from '../core/errors.ts'
import { closest } from '../core/suggest.ts'

export const KVMPLAY_CONFIG_NAMES = ['kvmplay.yaml', '.kvmplay.yaml'] as const

/** The options whose values are files, read from the config file's directory. */
const PATHS = new Set(['inventory', 'private-key', 'known-hosts', 'ssh-config', 'become-password-file', 'report', 'reservations-out'])

export function findKvmplayConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  if (env.KVMPLAY_CONFIG) {
    const file = resolve(cwd, env.KVMPLAY_CONFIG)
    if (!existsSync(file)) throw new KvmplayError('usage', `KVMPLAY_CONFIG=${env.KVMPLAY_CONFIG}: no such file`)
    return file
  }
  return KVMPLAY_CONFIG_NAMES.map((n) => join(cwd, n)).find((f) => existsSync(f))
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** The file's options (flag name → value), checked against `known` (run's option names, kebab-case). */
export function kvmplayConfigOptions(file: string | undefined, known: ReadonlySet<string>): Record<string, unknown> {
  if (!file) return {}
  let data: unknown
  try {
    data = parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new KvmplayError('usage', `${file}: ${(err as Error).message}`)
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) throw new KvmplayError('usage', `${file}: expected a map of kvmplay run's options (inventory: hosts.yaml, forks: 20, …)`)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(data)) {
    const option = kebab(key)
    if (!known.has(option)) {
      const near = closest(option, known)
      throw new KvmplayError('usage', `${file}: '${key}' is no option of kvmplay run${near ? ` (did you mean '${near}'?)` : ''}`)
    }
    out[option] = PATHS.has(option) && typeof value === 'string' ? resolve(dirname(file), value) : value
  }
  return out
}
