/**
 * Printing a run: a line per task as it finishes (hosts interleave, since
 * they do not wait for each other), diffs under changed tasks with --diff,
 * and a recap like Ansible's PLAY RECAP. --json prints the events instead,
 * one JSON object a line.
 */
import { unifiedDiff } from './diff.ts'
import type { RunEvent } from './result.ts'
import { ResultSummary } from './summary.ts'

export interface ReportOptions {
  diff: boolean
  verbose: number
  color: boolean
  write: (line: string) => void
  /** Leave out the lines of tasks that were ok or skipped (they are in the summary): what a fleet's run on a terminal shows. */
  notableOnly?: boolean
  /** false: no line per task result (another reporter prints them: --output tasks), and no summary; the play, recap and sections only. */
  taskLines?: boolean
  /** The terminal's columns (80 when not a terminal): a task line's detail is cut to fit, unless -v (failures are never cut). */
  width?: number
}

/** The columns lines are cut to: the terminal's, else 80 (what a log or a pipe is read in). */
export const outputWidth = (stream: { columns?: number; isTTY?: boolean } = process.stdout): number => (stream.isTTY && stream.columns ? stream.columns : 80)

/** Results whose reason is the whole point: printed in full, however long. */
const UNCUT: ReadonlySet<string> = new Set(['failed', 'rolled_back', 'unreachable'])

/** `text` within `room` columns, an ellipsis where it was cut. */
export const cut = (text: string, room: number): string => (text.length <= room ? text : room <= 1 ? '' : text.slice(0, room - 1).trimEnd() + '…')

/** More hosts than this get the grouped summary before the recap. */
export const SUMMARY_FROM = 5

const COLORS = { ok: 32, changed: 33, failed: 31, skipped: 36, unreachable: 31, rolled_back: 35, bold: 1, dim: 2 } as const

type TaskEvent = Extract<RunEvent, { type: 'task' }>
export type Paint = (what: keyof typeof COLORS, s: string) => string
export const painter = (color: boolean): Paint => (what, s) => (color ? `\x1b[${COLORS[what]}m${s}\x1b[0m` : s)

/** A result's word: "would change" under --check, "rolled back". */
export const statusWord = (e: TaskEvent): string => (e.status === 'changed' && e.check ? 'would change' : e.status === 'rolled_back' ? 'rolled back' : e.status)

/** " — reason" after a task's line (an ok task's with -v only), cut to the `room` left on it unless -v or a failure. */
export function reasonText(e: TaskEvent, opts: Pick<ReportOptions, 'verbose'>, room: number): string {
  const why = e.reason && (e.status !== 'ok' || opts.verbose > 0) ? ` — ${e.reason}` : ''
  // The step detail ("link add br0 …", hundreds of characters) is for -v; a line a glance reads stays within the terminal.
  return opts.verbose === 0 && !UNCUT.has(e.status) ? cut(why, room) : why
}

/** Under a task's line: its steps (-v, changed tasks) and its diffs (--diff). */
export function detailLines(e: TaskEvent, opts: Pick<ReportOptions, 'verbose' | 'diff' | 'color'>, indent: string): string[] {
  const paint = painter(opts.color)
  return [
    ...(e.status === 'changed' && opts.verbose > 0 ? e.steps.map((st) => `${indent}${paint('dim', '· ' + st)}`) : []),
    ...(opts.diff ? e.diffs.map((d) => colorDiff(unifiedDiff(d), opts.color)) : []),
  ]
}

export function humanReporter(opts: ReportOptions): (e: RunEvent) => void {
  const paint = painter(opts.color)
  let width = 4
  // Report sections come just before the recap and are printed after it.
  const sections: string[][] = []
  let summary = new ResultSummary()
  let hostCount = 0
  let check = false
  // Each host's failed (or rolled back) task, for the interrupted recap's "failed in".
  const failedIn = new Map<string, string>()
  return (e) => {
    summary.add(e)
    if (e.type === 'task' && (e.status === 'failed' || e.status === 'rolled_back')) failedIn.set(e.host, e.task)
    switch (e.type) {
      case 'section':
        sections.push(e.text)
        break
      case 'play':
        width = Math.max(4, ...e.hosts.map((h) => h.length))
        summary = new ResultSummary(e.hosts)
        hostCount = e.hosts.length
        check = e.check
        opts.write(paint('bold', `PLAY ${e.play}${e.check ? ' (check: nothing will change)' : ''} — ${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}`))
        break
      case 'task': {
        if (opts.notableOnly && (e.status === 'ok' || e.status === 'skipped')) break
        if (opts.taskLines === false) break
        const status = statusWord(e).padEnd(e.check ? 12 : 7)
        const head = `${e.host.padEnd(width)}  ${status}  ${e.task}${e.handler ? ' (handler)' : ''}`
        opts.write(`${e.host.padEnd(width)}  ${paint(e.status, status)}  ${e.task}${e.handler ? ' (handler)' : ''}${reasonText(e, opts, (opts.width ?? 80) - head.length)}`)
        for (const line of detailLines(e, opts, `${' '.repeat(width)}    `)) opts.write(line)
        break
      }
      case 'batch':
        opts.write(paint('bold', `BATCH ${e.index}/${e.of}: ${e.hosts.join(', ')}`))
        break
      case 'unreachable':
        opts.write(`${e.host.padEnd(width)}  ${paint('unreachable', 'unreachable')}  ${e.reason}`)
        break
      case 'recap': {
        // A fleet, or a terminal where the ok lines were left out: each task's results grouped
        // (h1–h200  changed  …), failures one by one. For a few hosts it would repeat the lines above.
        if (opts.taskLines !== false && (hostCount > SUMMARY_FROM || (opts.notableOnly && hostCount > 1))) {
          opts.write(paint('bold', '\nSUMMARY'))
          for (const line of summary.lines((st) => paint(st, st === 'rolled_back' ? 'rolled back' : st === 'changed' && check ? 'would change' : st))) opts.write(line)
        }
        opts.write(paint('bold', '\nRECAP'))
        for (const [host, r] of Object.entries(e.hosts)) {
          const cell = (k: keyof typeof r) => {
            const text = `${k}=${r[k]}`
            return r[k] > 0 && k !== 'ok' ? paint(k, text) : text
          }
          const cells = [cell('ok'), cell('changed'), cell('failed'), cell('unreachable'), cell('skipped'), ...(r.rolled_back ? [cell('rolled_back')] : [])]
          // Columns padded, the row's end not: no trailing spaces for a diff or a grep to trip on.
          opts.write(`${host.padEnd(width)}  ${cells.map((c) => c.padEnd(opts.color && c.includes('\x1b') ? 22 : 13)).join(' ')}`.trimEnd())
        }
        if (e.stopReason === 'interrupted' || e.interrupted) {
          opts.write('')
          for (const [i, line] of interruptedLines(e, failedIn).entries()) opts.write(i === 0 ? paint('bold', line) : line)
        } else if (e.untouched.length) opts.write(paint('failed', `not started (${e.stopReason ?? 'stopped'}): ${e.untouched.join(', ')}`))
        opts.write(`(${(e.durationMs / 1000).toFixed(2)} s, exit ${e.exitCode})`)
        for (const lines of sections) {
          opts.write('')
          for (const [i, line] of lines.entries()) opts.write(i === 0 ? paint('bold', line) : line)
        }
        break
      }
    }
  }
}

type RecapEvent = Extract<RunEvent, { type: 'recap' }>

/**
 * After an interruption, every host's state in one block: what ran, where
 * it was interrupted, what did not run — done, interrupted in a task,
 * stopped between tasks, failed or unreachable before, never started.
 */
export function interruptedLines(e: Pick<RecapEvent, 'hosts' | 'untouched' | 'interrupted'>, failedIn: ReadonlyMap<string, string> = new Map()): string[] {
  const interrupted = e.interrupted ?? {}
  const hosts = [...Object.keys(e.hosts), ...e.untouched]
  const w = Math.max(4, ...hosts.map((h) => h.length))
  const list = (label: string, tasks: readonly string[] | undefined) => (tasks?.length ? ` — ${label}: ${tasks.join(', ')}` : '')
  const lines = hosts.map((host) => {
    const i = interrupted[host]
    const r = e.hosts[host]
    const state = i
      ? `${i.task ? `interrupted in ${i.task}` : `stopped between tasks`}${list('ran', i.ran)}${list('not run', i.notRun)}`
      : !r
        ? 'not started'
        : r.unreachable
          ? 'unreachable'
          : failedIn.has(host)
            ? `${r.rolled_back ? 'rolled back' : 'failed'} in ${failedIn.get(host)} (before the interruption)`
            : 'done: its whole play ran'
    return `${host.padEnd(w)}  ${state}`
  })
  const cut = Object.values(interrupted).some((i) => i.task)
  return [
    'INTERRUPTED: where each host was left',
    ...lines,
    // Within 80 columns: the state of the host's files and network, for whoever decides what next.
    ...(cut ? ['(abandoned mid-task: each file is replaced whole or not at all, and a cutover', ' not confirmed rolls back by itself on the host; run again to finish)'] : []),
  ]
}

function colorDiff(text: string, color: boolean): string {
  if (!color) return text
  return text
    .split('\n')
    .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? `\x1b[32m${l}\x1b[0m` : l.startsWith('-') && !l.startsWith('---') ? `\x1b[31m${l}\x1b[0m` : l))
    .join('\n')
}

export function jsonReporter(write: (line: string) => void): (e: RunEvent) => void {
  // A section's data is its JSON; the human rendering stays out.
  return (e) => write(JSON.stringify(e.type === 'section' ? { type: e.type, section: e.section, data: e.data } : e))
}
