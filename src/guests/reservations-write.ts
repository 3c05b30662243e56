/**
 * Writes the reservations file on this machine: only when its content
 * changes (a re-run leaves the file, and its mtime, alone), atomically (a
 * temp file in the same directory, then rename), so a DHCP server reading
 * it never sees half a file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export function writeIfChanged(path: string, text: string, dryRun = false): 'written' | 'unchanged' | 'would be written (--check)' {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return 'unchanged'
  if (dryRun) return 'would be written (--check)'
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  writeFileSync(temp, text, { mode: 0o644 })
  renameSync(temp, path)
  return 'written'
}
