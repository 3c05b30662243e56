/**
 * Writes the reservations file on this machine: only when its content
 * changes (a re-run leaves the file, and its mtime, alone), atomically (a
 * temp file in the same directory, then rename), so a DHCP server reading
 * it never sees half a file — and never over a file kvmplay did not write
 * (`-o /etc/dnsmasq.conf` by mistake would otherwise lose its dhcp-range).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { KvmplayError } from '../core/errors.ts'

/** Every format names kvmplay: the header comment, or Kea's user-context. */
const ours = (text: string) => !text.trim() || text.includes('kvmplay')

/** Refuses a file at `path` that kvmplay did not write: it will not be read back nor replaced. */
export function checkOurs(path: string, current = existsSync(path) ? readFileSync(path, 'utf8') : undefined): void {
  if (current !== undefined && !ours(current)) {
    throw new KvmplayError('usage', `${path} exists and kvmplay did not write it: name a file of its own for the reservations (and include it in the server's configuration), or remove ${path}`)
  }
}

export function writeIfChanged(path: string, text: string, dryRun = false): 'written' | 'unchanged' | 'would be written (--check)' {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined
  if (current === text) return 'unchanged'
  checkOurs(path, current)
  if (dryRun) return 'would be written (--check)'
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  writeFileSync(temp, text, { mode: 0o644 })
  renameSync(temp, path)
  return 'written'
}
