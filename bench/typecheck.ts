/**
 * What `kvmplay run`'s type-check costs (src/core/typecheck.ts): the
 * compiler's run with no cache (cold), a playbook edited since its last
 * pass (the compiler, with what it kept of kvmplay's sources), and a
 * playbook unchanged since it passed (warm: the files' fingerprints only).
 * Medians of R runs each; every cold run gets an empty cache directory.
 *
 *   node --import tsx bench/typecheck.ts [PLAYBOOK=playbooks/migrate-nat-to-bridge.play.ts] [--rounds R=5]
 */
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { typecheckPlaybook } from '../src/core/typecheck.ts'

const args = process.argv.slice(2)
const roundsAt = args.indexOf('--rounds')
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5
const playbook = args.find((a, i) => !a.startsWith('--') && i !== roundsAt + 1) ?? 'playbooks/migrate-nat-to-bridge.play.ts'
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const scratch = mkdtempSync(join(tmpdir(), 'kvmplay-bench-typecheck-'))
// A copy beside the original (its imports resolve the same), edited between runs.
const edited = join(dirname(playbook), `.bench-${basename(playbook)}`)
copyFileSync(playbook, edited)
const times = { cold: [] as number[], edited: [] as number[], warm: [] as number[] }
try {
  for (let r = 0; r < rounds; r++) {
    process.env.KVMPLAY_CACHE_DIR = join(scratch, `cold-${r}`)
    const cold = await typecheckPlaybook(playbook)
    if (cold.errors.length || cold.cached) throw new Error(`${playbook}: expected a clean, uncached check`)
    times.cold.push(cold.ms)
    times.warm.push((await typecheckPlaybook(playbook)).ms)
    await typecheckPlaybook(edited)
    appendFileSync(edited, `// edit ${r}\n`)
    times.edited.push((await typecheckPlaybook(edited)).ms)
  }
} finally {
  rmSync(edited, { force: true })
  rmSync(scratch, { recursive: true, force: true })
}
for (const [what, xs] of Object.entries(times)) console.log(`${what.padEnd(6)} median ${median(xs)} ms  (${xs.join(', ')})`)
