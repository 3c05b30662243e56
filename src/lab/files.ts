/** Small file helpers for building host layers. */
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync, symlinkSync, readlinkSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Writes only when the content differs: the base layer is shared by running
 * hosts, and an overlay's lower layer must not change under them needlessly.
 */
export function writeIfChanged(path: string, content: string | Buffer, mode = 0o644): boolean {
  const next = Buffer.isBuffer(content) ? content : Buffer.from(content)
  if (existsSync(path) && readFileSync(path).equals(next)) {
    chmodSync(path, mode)
    return false
  }
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, next, { mode })
  chmodSync(path, mode)
  return true
}

export function symlinkIfChanged(target: string, path: string): void {
  try {
    if (readlinkSync(path) === target) return
    rmSync(path)
  } catch {
    // no link yet
  }
  mkdirSync(dirname(path), { recursive: true })
  symlinkSync(target, path)
}
