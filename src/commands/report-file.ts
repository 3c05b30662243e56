/**
 * `kvmplay run --report FILE`: the report file of the run's report sections
 * (src/core/section.ts). Checked before any host is touched (its directory
 * exists; a file already there is JSON, an earlier run's report, which the
 * section merges with this run's); written atomically after the run.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { KvmplayError } from '../core/errors.ts'
import type { ReportSection } from '../core/section.ts'

export interface ReportTarget {
  path: string
  /** The file as it was before the run; undefined when there was none. */
  previous?: string
  /** kvmplay's own copy in its state directory (report-state.ts), not a file the user named. */
  kept?: boolean
}

export function readReportTarget(file: string): ReportTarget {
  const path = resolve(file)
  const dir = dirname(path)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new KvmplayError('usage', `--report ${file}: directory ${dir} does not exist; create it or name a file elsewhere`)
  if (!existsSync(path)) return { path }
  if (!statSync(path).isFile()) throw new KvmplayError('usage', `--report ${file} is not a file; name a file`)
  return { path, previous: readReportFile(path, `--report ${file}`) }
}

/** A report file's text, checked to be a kvmplay report (an earlier run's) before anything is touched; `what` names it in the error. */
export function readReportFile(path: string, what: string): string {
  const previous = readFileSync(path, 'utf8')
  try {
    const kind = (JSON.parse(previous) as { kind?: unknown })?.kind
    if (typeof kind !== 'string' || !kind.startsWith('kvmplay-')) throw new Error('no kvmplay kind')
  } catch {
    throw new KvmplayError('usage', `${what} already exists and is not a kvmplay report: name a new file (or an earlier run's report, which is kept and brought up to date)`)
  }
  return previous
}

/** Writes the file from the sections that keep one (`finish` adds what the run knows beside them); false when none did (nothing written). */
export function writeReports(target: ReportTarget, sections: readonly { section: ReportSection; result: unknown }[], finish: (text: string) => string = (t) => t): boolean {
  const withFile = sections.filter((s) => s.section.file)
  if (withFile.length === 0) return false
  if (withFile.length > 1) throw new KvmplayError('usage', `--report: ${withFile.map((s) => s.section.name).join(', ')} each keep a report file; one file holds one`)
  const { section, result } = withFile[0]
  const text = finish(section.file!(result))
  if (target.kept) mkdirSync(dirname(target.path), { recursive: true, mode: 0o700 })
  const tmp = `${target.path}.${process.pid}.tmp`
  writeFileSync(tmp, text, { mode: 0o644 })
  renameSync(tmp, target.path)
  return true
}
