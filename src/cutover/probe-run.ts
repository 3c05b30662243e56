/**
 * Runs a cutover's probes on the host in one script and reads their verdicts:
 * one line per probe that does not hold ("F …") or that cannot run and is
 * optional ("S …"); nothing for a probe that holds. What a probe wrote to
 * stderr is kept for the message (its last lines), its stdout is not.
 */
import { quote } from '../core/quote.ts'
import { CANNOT_RUN } from './probe.ts'
import type { Probe } from './probe.ts'

/** The last lines of what the probe said, on one line. */
const said = `$(printf '%s' "$e" | tail -n 2 | tr '\\n' ' ' | sed 's/ *$//')`

export function probeLines(probes: Probe[]): string[] {
  return probes.map((p) => {
    const name = quote(`"${p.name}"`)
    const cannot = p.optional ? `echo "S "${name}" cannot run on the host, skipped (optional): ${said}"` : `echo "F "${name}" cannot run on the host: ${said}"`
    return [`e=$( ( ${p.command}\n) 2>&1 >/dev/null </dev/null ); rc=$?`, `if [ $rc = ${CANNOT_RUN} ]; then ${cannot}; elif [ $rc != 0 ]; then echo "F "${name}" does not hold (exit $rc): ${said}"; fi`].join('\n')
  })
}

export interface ProbeVerdicts {
  failures: string[]
  skipped: string[]
}

export function readVerdicts(out: string): ProbeVerdicts {
  const lines = out.split('\n')
  const pick = (tag: string) => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => l.slice(2).trim().replace(/:\s*$/, ''))
  return { failures: pick('F'), skipped: pick('S') }
}
