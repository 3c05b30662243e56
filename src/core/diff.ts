/** Diffs for --diff: unified, through jsdiff (the `diff` package), or one line for a secret file's. */
import { createTwoFilesPatch } from 'diff'
import { isRedacted } from './secret-diff.ts'
import type { RedactedDiff, ReportedDiff } from './secret-diff.ts'

export function unifiedDiff(d: ReportedDiff): string {
  if (isRedacted(d)) return redactedLine(d)
  return createTwoFilesPatch(`${d.label} (before)`, `${d.label} (after)`, d.before, d.after, undefined, undefined, { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('====')) // jsdiff's header rule adds nothing to a terminal
    .join('\n')
    .trimEnd()
}

/** "--- /etc/x (mode 0600: content not shown; sha256 3a7bd3e2360a… → 5891b5b522d5…, 12 → 14 lines)": enough to tell what changed, and to check it on the host. */
function redactedLine(d: RedactedDiff): string {
  const hash = (s: RedactedDiff['before']) => (s.lines === 0 && s.sha256 === EMPTY ? '(empty)' : `${s.sha256.slice(0, 12)}…`)
  return `--- ${d.label} (${d.reason}: content not shown; sha256 ${hash(d.before)} → ${hash(d.after)}, ${d.before.lines} → ${d.after.lines} lines)`
}

/** The sha256 of nothing: a file that was not there, or is empty. */
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
