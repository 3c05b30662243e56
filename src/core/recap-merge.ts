/**
 * One recap from the recaps of a run's slices (`--slice I/N` on N workers):
 * every slice's hosts, which must not overlap; the hosts none of them started;
 * the longest slice's duration (they ran side by side); and the exit code the
 * whole run would have had — bad input beats kvmplay's own error beats an
 * interruption beats a failed task beats an unreachable host.
 */
import { KvmplayError } from './errors.ts'
import { EXIT } from './exit-codes.ts'
import type { HostRecap, RunEvent } from './result.ts'

export type Recap = Extract<RunEvent, { type: 'recap' }>

const PRECEDENCE = [EXIT.BAD_INPUT, EXIT.ERROR, EXIT.INTERRUPTED, EXIT.TASK_FAILED, EXIT.UNREACHABLE, EXIT.OK] as number[]

/** The most actionable of the slices' exit codes (an unknown one counts as kvmplay's own error). */
export function mergedExitCode(codes: number[]): number {
  const known = codes.map((c) => (PRECEDENCE.includes(c) ? c : EXIT.ERROR))
  return PRECEDENCE.find((c) => known.includes(c)) ?? EXIT.OK
}

/**
 * The recap in a slice's output: the last line of `--json` output (or a file
 * holding the recap alone). `source` names it in errors.
 */
export function recapOf(text: string, source: string): Recap {
  const lines = text.trim().split('\n').filter((l) => l.trim())
  const last = lines.at(-1)
  let event: unknown
  try {
    event = last === undefined ? undefined : JSON.parse(last)
  } catch {
    event = undefined
  }
  const r = event as Partial<Recap> | undefined
  if (!r || r.type !== 'recap' || typeof r.hosts !== 'object' || typeof r.exitCode !== 'number') {
    throw new KvmplayError(
      'usage',
      `${source}: no recap at its end — was it written by 'kvmplay run --json' (its standard output), and did that run finish? A slice that died gives no recap: run it again.`,
    )
  }
  return {
    type: 'recap',
    hosts: r.hosts as Record<string, HostRecap>,
    untouched: r.untouched ?? [],
    ...(r.interrupted ? { interrupted: r.interrupted } : {}),
    stopReason: r.stopReason,
    exitCode: r.exitCode,
    durationMs: r.durationMs ?? 0,
  }
}

export function mergeRecaps(recaps: { source: string; recap: Recap }[]): Recap {
  if (!recaps.length) throw new KvmplayError('usage', 'recap merge: name the slices\' --json outputs, e.g. kvmplay recap merge slice-*.json')
  const hosts: Record<string, HostRecap> = {}
  const from = new Map<string, string>()
  for (const { source, recap } of recaps) {
    for (const [name, r] of Object.entries(recap.hosts)) {
      if (from.has(name)) throw new KvmplayError('usage', `host ${name} is in two slices' recaps (${from.get(name)} and ${source}): were the same --slice run twice, or the slices given different inventories?`)
      from.set(name, source)
      hosts[name] = r
    }
  }
  const untouched = [...new Set(recaps.flatMap(({ recap }) => recap.untouched))].filter((h) => !(h in hosts))
  const reasons = [...new Set(recaps.flatMap(({ recap }) => (recap.stopReason ? [recap.stopReason] : [])))]
  const interrupted = Object.assign({}, ...recaps.map(({ recap }) => recap.interrupted ?? {}))
  return {
    type: 'recap',
    hosts: Object.fromEntries(Object.entries(hosts).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))),
    untouched,
    ...(Object.keys(interrupted).length ? { interrupted } : {}),
    ...(reasons.length ? { stopReason: reasons.join('; ') } : {}),
    exitCode: mergedExitCode(recaps.map(({ recap }) => recap.exitCode)),
    durationMs: Math.max(...recaps.map(({ recap }) => recap.durationMs)),
  }
}
