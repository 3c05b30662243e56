/**
 * A test that cannot run here is skipped, saying why, never passed unrun.
 * uvu cannot skip a test once it runs, so the reason is known when the test
 * is registered: computed when the test file loads.
 *
 * @example
 * ```ts
 * const asRoot = skipIf(test, notRoot('setpriv needs root to drop to nobody'))
 * asRoot('lab up as nobody says to use sudo', () => { ... })
 * ```
 */
import type { Test } from 'uvu'

export type TestFn = (name: string, fn: () => Promise<void> | void) => void

/** Why a test that needs root cannot run here (`not root: why`), or undefined as root. */
export const notRoot = (why: string): string | undefined => (process.getuid?.() === 0 ? undefined : `not root: ${why}`)

/** How many tests each reason skipped in this run. */
const skippedBy = new Map<string, number>()

/**
 * `s` where `reason` is undefined; elsewhere uvu's skip, with the reason in
 * the test's name. uvu prints only a count of skipped tests, no names, so the
 * reasons are also said on stderr when the run ends.
 */
export function skipIf(s: Test, reason: string | undefined): TestFn {
  if (!reason) return (name, fn) => s(name, fn)
  return (name, fn) => {
    if (!skippedBy.size) process.once('exit', sayWhy)
    skippedBy.set(reason, (skippedBy.get(reason) ?? 0) + 1)
    s.skip(`${name} (skipped: ${reason})`, fn)
  }
}

function sayWhy() {
  for (const [reason, n] of skippedBy) console.error(`  ${n} skipped: ${reason}`)
}
