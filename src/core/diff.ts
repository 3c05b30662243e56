/** Unified diffs for --diff, through jsdiff (the `diff` package). */
import { createTwoFilesPatch } from 'diff'
import type { FileDiff } from './task.ts'

export function unifiedDiff(d: FileDiff): string {
  const before = d.before === '' ? '' : d.before
  return createTwoFilesPatch(`${d.label} (before)`, `${d.label} (after)`, before, d.after, undefined, undefined, { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('====')) // jsdiff's header rule adds nothing to a terminal
    .join('\n')
    .trimEnd()
}
