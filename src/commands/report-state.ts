/**
 * The report kept without asking: a run whose playbook records a report
 * (the migration's guests) keeps it in kvmplay's state directory —
 * $XDG_STATE_HOME/kvmplay, else ~/.local/state/kvmplay — one file per
 * inventory, named from the inventory's absolute path, so the next run
 * with that inventory and the way back find it with no flag. `--report
 * FILE` still wins: the report then goes there, and nothing is kept here.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { readReportFile } from './report-file.ts'
import type { ReportTarget } from './report-file.ts'

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  // XDG: a relative XDG_STATE_HOME is invalid and must be ignored.
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state')
  return join(base, 'kvmplay')
}

/** reports/hosts.yaml-3f2a9c1b7d04.json: readable in a listing, distinct for two inventories of the same name. */
export function keptReportPath(inventory: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = resolve(inventory)
  const id = createHash('sha256').update(path).digest('hex').slice(0, 12)
  return join(stateDir(env), 'reports', `${basename(path).replace(/[^\w.-]/g, '_')}-${id}.json`)
}

/** The inventory's kept report as a report target: read back when there is one (checked as --report checks its file). */
export function keptReport(inventory: string, env: NodeJS.ProcessEnv = process.env): ReportTarget {
  const path = keptReportPath(inventory, env)
  return existsSync(path) ? { path, kept: true, previous: readReportFile(path, `the kept report ${path}`) } : { path, kept: true }
}

