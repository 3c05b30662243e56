/**
 * A directory built once and cached under /var/cache/kvmplay-lab (the bare
 * hosts' root, the VM's image): built in a temporary directory beside it and
 * renamed into place with a marker written last, so an interrupted build is
 * never taken for a cache, and a build another process finished meanwhile is
 * kept (something may already run on it).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The complete marker: written last, so a directory without it is no cache. */
const DONE = 'built'

export const isBuilt = (dir: string) => existsSync(join(dir, DONE))

/**
 * `dir`, built by `build(tmp)` first when it has no marker. Returns the build's
 * time in seconds, or undefined when the cache was there.
 */
export async function ensureCachedDir(dir: string, build: (tmp: string) => Promise<void>): Promise<number | undefined> {
  if (isBuilt(dir)) return undefined
  const started = performance.now()
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  try {
    await build(tmp)
    const seconds = (performance.now() - started) / 1000
    writeFileSync(join(tmp, DONE), `${new Date().toISOString()} ${seconds.toFixed(1)} s\n`)
    if (isBuilt(dir)) {
      rmSync(tmp, { recursive: true, force: true })
      return seconds
    }
    rmSync(dir, { recursive: true, force: true })
    renameSync(tmp, dir)
    return seconds
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}
