/** What a run reports: per task, per host, and the recap. Plain data, printed by report.ts. */
import type { ReportedDiff } from './secret-diff.ts'
import type { ErrorKind } from './errors.ts'
import { BAD_INPUT_KINDS } from './errors.ts'
import { EXIT } from './exit-codes.ts'
import type { Interrupted } from './interruption.ts'

/** rolled_back: a cutover was not confirmed and the host restored itself. */
export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'rolled_back'

export interface TaskResult {
  host: string
  task: string
  status: TaskStatus
  /** Why ok or skipped; what failed. */
  reason?: string
  errorKind?: ErrorKind
  /** Step summaries, run (or, with --check, that would run). */
  steps: string[]
  /** Each step's diff, a secret file's without its content (secret-diff.ts). */
  diffs: ReportedDiff[]
  handler: boolean
  check: boolean
  durationMs: number
}

export interface HostRecap {
  ok: number
  changed: number
  failed: number
  unreachable: number
  skipped: number
  rolled_back: number
}

export type RunEvent =
  | { type: 'play'; play: string; hosts: string[]; check: boolean }
  | ({ type: 'task' } & TaskResult)
  | { type: 'unreachable'; host: string; reason: string; errorKind?: ErrorKind }
  | { type: 'batch'; index: number; of: number; hosts: string[] }
  /** A report section's result (section.ts), just before the recap: `text` is its human rendering, printed after the recap. */
  | { type: 'section'; section: string; data: unknown; text: string[] }
  | {
      type: 'recap'
      hosts: Record<string, HostRecap>
      untouched: string[]
      /** Hosts whose play an interruption cut short (interruption.ts). */
      interrupted?: Record<string, Interrupted>
      stopReason?: string
      exitCode: number
      durationMs: number
    }

export const emptyRecap = (): HostRecap => ({ ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 })

/** Bad input beats task failure beats unreachable: the most actionable code wins. */
export function exitCodeOf(results: TaskResult[], recaps: Record<string, HostRecap>): number {
  if (results.some((r) => r.status === 'failed' && r.errorKind && BAD_INPUT_KINDS.has(r.errorKind))) return EXIT.BAD_INPUT
  if (Object.values(recaps).some((r) => r.failed > 0 || r.rolled_back > 0)) return EXIT.TASK_FAILED
  if (Object.values(recaps).some((r) => r.unreachable > 0)) return EXIT.UNREACHABLE
  return EXIT.OK
}
