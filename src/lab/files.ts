/** Small file helpers for building host layers. */
import { mkdirSync, readFileSync, readdirSync, writeFileSync, chmodSync, chownSync, existsSync, statSync, symlinkSync, readlinkSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'

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

/**
 * Gives every directory of a layer that the machine has too the machine's
 * mode and owner. A directory that is in several layers of an overlay takes
 * its attributes from the topmost one, so a layer's `root` or
 * `usr/share/polkit-1/rules.d` made 0755 by mkdir would open the machine's
 * 0700 ones to everyone in every host.
 */
export function mirrorMachineDirs(layer: string, dir = ''): void {
  for (const entry of readdirSync(join(layer, dir), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const rel = join(dir, entry.name)
    const machine = join('/', rel)
    if (!existsSync(machine)) continue
    const st = statSync(machine)
    if (!st.isDirectory()) continue
    chmodSync(join(layer, rel), st.mode & 0o7777)
    chownSync(join(layer, rel), st.uid, st.gid)
    mirrorMachineDirs(layer, rel)
  }
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
