/** `kvmplay run`'s options from the config files and ANSIBLE_* variables (src/config/run-defaults.ts), under the command line. */
import type { Argv } from 'yargs'
import { runDefaults } from '../config/run-defaults.ts'
import { EXIT } from '../core/exit-codes.ts'

/** The config files read and the ANSIBLE_* variables used (runDefaults' `read`), for -v's "Using … as config file". */
let sources: string[] = []
export const configSources = (): readonly string[] => sources

export function withRunDefaults<T>(y: Argv<T>): Argv<T> {
  // The options' own names (kebab-case, no one-letter aliases): what a config file may set.
  const keys = Object.keys((y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key)
  const known = new Set(keys.filter((k) => k.length > 1 && !/[A-Z]/.test(k) && !['help', 'version', 'playbook'].includes(k)))
  try {
    const defaults = runDefaults(known)
    sources = defaults.read
    return y.config(defaults.values)
  } catch (err) {
    // A config file that cannot be read as one is bad input: nothing was touched.
    ;(err as { exitCode?: number }).exitCode = EXIT.BAD_INPUT
    throw err
  }
}
