/** Guards: whether a path exists, whether a read-only command succeeds. */
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export const pathExistsFact: Fact<boolean, string> = {
  describe: (path) => `path ${path}`,
  name: 'path-exists',
  reads: (path) => [resource.path(path)],
  command: (path) => sh`test -e ${path}`,
  parse: (res) => res.code === 0,
}

/** The exit status of a user's read-only command (`unless`, `onlyIf`). */
export const commandSucceedsFact: Fact<boolean, string> = {
  describe: (cmd) => `command ${cmd}`,
  name: 'command-succeeds',
  // A user's command may read anything: any change can flip it.
  reads: () => [resource.anything],
  command: (cmd) => `${cmd} >/dev/null 2>&1`,
  parse: (res) => res.code === 0,
}
