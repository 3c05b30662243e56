/**
 * How fast the lab comes up and what each host costs, for N hosts from
 * nothing. A benchmark, not a test: it prints figures and never fails on them.
 *
 *   node --import tsx bench/lab.ts [N=20] [--keep]
 *
 * Uses its own lab ('bench', 198.19.0.0/16), removed at the end unless --keep.
 */
import { readFileSync } from 'node:fs'
import { labDown, labUp } from '../src/lab/lab.ts'
import { hostMemoryKiB } from '../src/lab/host.ts'
import { hostPlan } from '../src/lab/addressing.ts'

const args = process.argv.slice(2)
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 20)
const keep = args.includes('--keep')
const LAB = { name: 'bench', net: '198.19', dir: '/tmp/kvmplay-bench' }

const memAvailableKiB = () => Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1])
/** CPU seconds the whole machine spent (user+system), from /proc/stat. */
function machineCpuSeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
  const [user, nice, system, , , irq, softirq] = fields.map(Number)
  return (user + nice + system + irq + softirq) / 100
}
const mib = (kib: number) => (kib / 1024).toFixed(1)

await labDown(LAB)
const memBefore = memAvailableKiB()
const cpuBefore = machineCpuSeconds()
const up = await labUp(count, LAB)
const cpu = machineCpuSeconds() - cpuBefore
// Let the guests finish booting into their halt loop before reading memory.
await new Promise((r) => setTimeout(r, 3000))
const memAfter = memAvailableKiB()
const mems = await Promise.all(Array.from({ length: count }, (_, i) => hostMemoryKiB(hostPlan(up.lab, i + 1))))
const pss = mems.map((m) => m.pss)
const rss = mems.map((m) => m.rss)
const downStart = performance.now()
if (!keep) await labDown(LAB)
const downSeconds = (performance.now() - downStart) / 1000

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
console.log(`lab of ${count} hosts on ${(await import('node:os')).cpus().length} cores`)
console.log(`  up, from nothing:            ${up.seconds.toFixed(1)} s wall, ${cpu.toFixed(1)} CPU-s (${(cpu / count).toFixed(2)} CPU-s per host)`)
console.log(`  memory per host, PSS:        mean ${mib(mean(pss))} MiB, max ${mib(Math.max(...pss))} MiB`)
console.log(`  memory per host, RSS:        mean ${mib(mean(rss))} MiB, max ${mib(Math.max(...rss))} MiB (counts shared libraries once per process)`)
console.log(`  MemAvailable drop per host:  ${mib((memBefore - memAfter) / count)} MiB (includes page cache and kernel objects)`)
if (!keep) console.log(`  down:                        ${downSeconds.toFixed(1)} s`)
