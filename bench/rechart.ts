/**
 * Draws a migrate benchmark's charts again from its results JSON, without measuring anything:
 *
 *   node --import tsx bench/rechart.ts bench/results/migrate-2026-12-02T20-45-38-771Z.json
 *
 * The same charts, under the same names, as bench/migrate.ts writes at the end of that run.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrateCharts } from './migrate-charts.ts'
import type { MigrateResult } from './migrate-charts.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const files = process.argv.slice(2)
if (!files.length) throw new Error('usage: node --import tsx bench/rechart.ts bench/results/migrate-….json …')
for (const path of files) {
  const result = JSON.parse(readFileSync(path, 'utf8')) as MigrateResult
  // Results from before --access existed were all root's.
  for (const { file, svg } of migrateCharts({ ...result, access: result.access ?? 'root', profile: result.profile ?? 'none' })) {
    writeFileSync(join(ROOT, file), svg)
    console.log(`${path} → ${file}`)
  }
}
