/** Temp directories for one test file: `make` one per need, `removeAll` (give it to test.after) removes every one made. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDirs(prefix: string) {
  const made: string[] = []
  return {
    make: (): string => {
      const dir = mkdtempSync(join(tmpdir(), `kvmplay-${prefix}-`))
      made.push(dir)
      return dir
    },
    removeAll: (): void => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
    },
  }
}
