/** Guards: whether a path exists, whether a read-only command succeeds. */
import { sh } from '../core/quote.ts'
import type { Fact } from './fact.ts'

export const pathExistsFact: Fact<boolean, string> = {
  describe: (path) => `path ${path}`,
  key: (path) => `exists:${path}`,
  command: (path) => sh`test -e ${path}`,
  parse: (res) => res.code === 0,
}

/** The exit status of a user's read-only command (`unless`, `onlyIf`). */
export const commandSucceedsFact: Fact<boolean, string> = {
  describe: (cmd) => `command ${cmd}`,
  key: (cmd) => `succeeds:${cmd}`,
  command: (cmd) => `${cmd} >/dev/null 2>&1`,
  parse: (res) => res.code === 0,
}
