/**
 * The run's report file around the run: handed to the play before it (the
 * way back's kvmplay_report) and written after it — to --report FILE, or
 * kept for the inventory (report-state.ts) — with the line that says where.
 */
import { writeReports } from './report-file.ts'
import type { ReportTarget } from './report-file.ts'
import type { ReportSection } from '../core/section.ts'
import { withReserved } from '../guests/report-reserved.ts'
import type { RunReservations } from '../guests/reservations-run.ts'

/**
 * The run's report file as the way back reads it without `-e report=`: `kvmplay_report`, under
 * every other var, where an earlier run left one (kept, or the --report file).
 */
export const withReportVar = <H extends { vars: Record<string, unknown> }>(h: H, report: ReportTarget): H =>
  report.previous === undefined ? h : { ...h, vars: { kvmplay_report: report.path, ...h.vars } }

/** Writes the report after the run; the line saying where, or undefined when there is nothing to say. */
export function writeRunReport(
  target: ReportTarget,
  sections: readonly { section: ReportSection; result: unknown }[],
  reserved: RunReservations['reservations'],
  check: boolean,
): string | undefined {
  // A --check run plans: what it saw is not kept as what the hosts had.
  if (target.kept && check) return undefined
  // Each guest's LAN reservation, where this run made them, in the report beside its NAT identity.
  const written = writeReports(target, sections, (text) => (reserved.length ? JSON.stringify(withReserved(JSON.parse(text), reserved), null, 2) + '\n' : text))
  if (written) return target.kept ? `report: kept in ${target.path} (the next run with this inventory and the way back read it; --report FILE writes it elsewhere)` : `report: ${target.path}`
  // A playbook that records no report: said only to whoever asked for one.
  return target.kept ? undefined : `report: nothing written to ${target.path}: no task of this playbook records a report`
}
