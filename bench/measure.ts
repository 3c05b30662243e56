/**
 * How the benchmarks measure a run: wall time, CPU of the whole process tree
 * (GNU time) and its peak memory (the tree's RSS, sampled every 25 ms); the
 * machine's busy share, to start each run on a quiet machine; medians.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface Measure {
  wall: number
  cpu: number
  peakMiB: number
  code: number
}

/**
 * Sum of the RSS of a process and all its descendants, in KiB. Walks the tree
 * through /proc/PID/task/TID/children, not all of /proc: with a 20-host lab up,
 * scanning every process each 25 ms cost the machine more CPU than kvmplay's
 * controller, and slowed the runs it measured.
 */
function treeRssKiB(root: number): number {
  let sum = 0
  for (let todo = [root]; todo.length > 0; ) {
    const pid = todo.pop()!
    try {
      sum += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        todo.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number))
      }
    } catch {
      // exited
    }
  }
  return sum
}

/**
 * Runs a command under GNU time (CPU of the whole tree) while sampling the
 * tree's memory. With `keep`, its output comes back too (as `output`: not for
 * the results file).
 */
export async function measure(cmd: string[], env: Record<string, string> = {}, cwd = ROOT, keep = false): Promise<Measure & { output?: string }> {
  const timing = `/tmp/kvmplay-bench-time-${process.pid}`
  const started = performance.now()
  const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timing, ...cmd], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  let peak = 0
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssKiB(child.pid!))), 25)
  const code: number = await new Promise((r) => child.on('exit', (c) => r(c ?? 1)))
  clearInterval(sampler)
  const wall = (performance.now() - started) / 1000
  const [user, sys] = readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  rmSync(timing, { force: true })
  if (code !== 0) console.error(`  (${cmd.slice(0, 3).join(' ')} … exited ${code})\n${out.split('\n').slice(-15).join('\n')}`)
  return { wall, cpu: user + sys, peakMiB: peak / 1024, code, ...(keep ? { output: out } : {}) }
}

/**
 * One kvmplay run that is not measured, in --check on one host, before the
 * first measured one: after a source change kvmplay rebuilds its bundle and
 * compiles the playbook on its next run (~0.5 s and a peak of ~180 MiB, the
 * bundler's), which would land on whichever round came first. A user pays it
 * once per upgrade, not per run.
 */
export function warmKvmplay(playbook: string, inventory: string, extra: string[] = []): void {
  const run = spawnSync(process.execPath, [`${ROOT}bin/kvmplay.mjs`, 'run', playbook, '-i', inventory, '--check', '--limit', 'h1', ...extra], { cwd: ROOT, stdio: 'ignore' })
  if (run.status !== 0) console.error(`  (the unmeasured warm-up run exited ${run.status}; the first round may carry kvmplay's rebuild)`)
}

/** Busy share of the machine's CPU over `ms`, from /proc/stat. */
export async function busyShare(ms: number): Promise<number> {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const a = read()
  await new Promise((r) => setTimeout(r, ms))
  const b = read()
  const d = b.map((v, i) => v - a[i])
  const idle = d[3] + d[4]
  const total = d.reduce((x, y) => x + y, 0)
  return total ? 1 - idle / total : 0
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
export const medianOf = (ms: Measure[]): Measure => ({
  wall: median(ms.map((m) => m.wall)),
  cpu: median(ms.map((m) => m.cpu)),
  peakMiB: Math.max(...ms.map((m) => m.peakMiB)),
  code: Math.max(...ms.map((m) => m.code)),
})
