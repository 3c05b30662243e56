/**
 * Type-checks that passed, remembered: each entry lists every file the
 * compiler read for the playbook with a fingerprint — the content's sha256
 * for the user's files and kvmplay's sources, size and mtime inside
 * node_modules (installed packages change by being reinstalled) — and the
 * check is skipped while every fingerprint still matches. Only passes are
 * kept: a playbook with errors is checked again, and says them again.
 *
 * Kept in $KVMPLAY_CACHE_DIR, else $XDG_CACHE_HOME/kvmplay, else
 * ~/.cache/kvmplay, under typecheck/: the user's own, mode 0700.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, sep } from 'node:path'

/** The cache's directory, made if need be; undefined where none can be (no home, read-only): the check then always runs. */
export function cacheDir(): string | undefined {
  const base = process.env.KVMPLAY_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kvmplay')
  const dir = join(base, 'typecheck')
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    return dir
  } catch {
    return undefined
  }
}

function fingerprint(file: string): string {
  if (file.includes(`${sep}node_modules${sep}`)) {
    const st = statSync(file)
    return `${st.size}:${Math.trunc(st.mtimeMs)}`
  }
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** Whether the check of this key passed before and none of the files it read has changed. */
export function passedBefore(dir: string, key: string): boolean {
  try {
    const entry = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as { files: Record<string, string> }
    return Object.entries(entry.files).every(([file, print]) => fingerprint(file) === print)
  } catch {
    return false
  }
}

/** Entries (and their project and build-info files) not written for a month go: playbooks moved or deleted would otherwise stay for ever. */
const KEEP_MS = 30 * 24 * 3600_000

function prune(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { force: true })
  }
}

/** Remembers a pass (written whole, then renamed: a concurrent run reads the old entry or the new one). */
export function rememberPassed(dir: string, key: string, files: string[]): void {
  try {
    const entry = { files: Object.fromEntries(files.map((f) => [f, fingerprint(f)])) }
    const tmp = join(dir, `${key}.json.${process.pid}`)
    writeFileSync(tmp, JSON.stringify(entry))
    renameSync(tmp, join(dir, `${key}.json`))
    prune(dir)
  } catch {
    // A cache that cannot be written costs the next run a check, nothing more.
  }
}
