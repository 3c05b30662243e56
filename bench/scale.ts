/**
 * kvmplay at fleet scale: time and controller memory at 20, 100, 200 and 500
 * hosts, on a lab of cheap hosts (`lab up --cheap`: sshd and files, no
 * libvirtd), with the fleet-baseline playbook (bench/scale.play.ts: three
 * files and three net.* kernel parameters, persisted and applied). Beside
 * it, the same work by hand as the hosts' own share of it: one OpenSSH
 * session per host running one script, as many at once as kvmplay's forks
 * (xargs -P), for the first run; and the reads a no-op needs.
 *
 *   node --import tsx bench/scale.ts [--sizes 20,100,200,500] [--rounds R] [--forks 50] [--net 198.19]
 *
 * The lab grows from one size to the next (hosts are kept); every first run
 * takes a generation no run used before, so each of its tasks changes on
 * every host; the no-op repeats it. After each run the end state is read on
 * every host and must be the generation's (else the benchmark fails). A
 * benchmark, not a test: it never fails on timing.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown, labUp } from '../src/lab/lab.ts'
import { labPaths } from '../src/lab/state.ts'
import { hostPlan } from '../src/lab/addressing.ts'
import type { HostPlan } from '../src/lab/addressing.ts'
import { chartSvg } from './chart.ts'
import { busyShare, measure, medianOf, warmKvmplay } from './measure.ts'
import type { Measure } from './measure.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const sizes = (opt('sizes') ?? '20,100,200,500').split(',').map(Number).sort((a, b) => a - b)
const rounds = Number(opt('rounds') ?? 1)
const forks = Number(opt('forks') ?? 50)
const LAB = { name: 'scale', net: opt('net') ?? '198.19', dir: '/tmp/kvmplay-scale' }
const PLAY = join(ROOT, 'bench/scale.play.ts')

/** What bench/scale.play.ts makes of a host at a generation: the files and the running values. */
function wished(h: HostPlan, generation: number) {
  const odd = generation % 2
  const params: [string, number][] = [
    ['net.ipv4.ip_forward', odd],
    ['net.ipv4.conf.all.rp_filter', odd ? 2 : 1],
    ['net.core.somaxconn', 4096 + generation],
  ]
  return {
    files: {
      '/etc/kvmplay/baseline.conf': `# managed by kvmplay\ngeneration = ${generation}\nhost = ${h.name}\n`,
      '/etc/kvmplay/role': `hypervisor ${generation}\n`,
      '/etc/motd': `${h.name}: a kvmplay-managed hypervisor (baseline ${generation})\n`,
      '/etc/sysctl.d/90-kvmplay-baseline.conf': params.map(([k, v]) => `${k} = ${v}\n`).join(''),
    },
    params,
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
const procPath = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`

/** The first run by hand: write the files, set the values; nothing checked first, no backup, no safety net. */
function floorScript(h: HostPlan, generation: number): string {
  const w = wished(h, generation)
  return [
    'set -e',
    'mkdir -p /etc/kvmplay /etc/sysctl.d',
    ...Object.entries(w.files).map(([path, content]) => `printf %s ${quote(content)} > ${path}.tmp && mv ${path}.tmp ${path}`),
    `sysctl -q -w ${w.params.map(([k, v]) => `${k}=${v}`).join(' ')}`,
  ].join('\n')
}

/** The reads a no-op needs, which are also the verification's: the files, then each running value. */
const READ_SCRIPT = (h: HostPlan) => {
  const w = wished(h, 0)
  return `cat ${Object.keys(w.files).join(' ')}; cat ${w.params.map(([k]) => procPath(k)).join(' ')}`
}
const expectedRead = (h: HostPlan, generation: number) => {
  const w = wished(h, generation)
  return Object.values(w.files).join('') + w.params.map(([, v]) => `${v}\n`).join('')
}

/** Runs each host's script over OpenSSH, `forks` at a time, as xargs -P does; outputs in a directory, one per host. */
function floorCommand(hosts: HostPlan[], script: (h: HostPlan) => string, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true })
  for (const h of hosts) writeFileSync(join(outDir, `${h.name}.sh`), script(h) + '\n')
  const config = labPaths(LAB.dir).sshConfig
  const one = `ssh -F ${config} "$1" sh -s < ${outDir}/"$1".sh > ${outDir}/"$1".out`
  return ['sh', '-c', `printf '%s\\n' ${hosts.map((h) => h.name).join(' ')} | xargs -P ${forks} -I{} sh -c '${one.replace(/'/g, `'\\''`)}' _ {}`]
}

/** Reads every host (not measured): the names of those whose state is not the generation's. */
function wrongHosts(hosts: HostPlan[], generation: number): string[] {
  const dir = join(LAB.dir, 'verify')
  const [cmd, ...rest] = floorCommand(hosts, READ_SCRIPT, dir)
  if (spawnSync(cmd, rest, { stdio: 'ignore' }).status !== 0) return ['(the reads failed)']
  const read = (h: HostPlan) => (existsSync(join(dir, `${h.name}.out`)) ? readFileSync(join(dir, `${h.name}.out`), 'utf8') : '')
  return hosts.filter((h) => read(h) !== expectedRead(h, generation)).map((h) => h.name)
}

/** kvmplay's recap: how many hosts changed how many tasks (from --json's recap line). */
function changedCounts(output: string): Map<number, number> {
  const recapLine = output.split('\n').find((l) => l.startsWith('{"type":"recap"'))
  const counts = new Map<number, number>()
  if (!recapLine) return counts
  for (const r of Object.values(JSON.parse(recapLine).hosts as Record<string, { changed: number }>)) counts.set(r.changed, (counts.get(r.changed) ?? 0) + 1)
  return counts
}

/** One kvmplay run: what was measured, and how many hosts changed how many tasks. */
async function kvmplay(inventory: string, generation: number): Promise<{ measured: Measure; changed: Map<number, number> }> {
  const { output, ...measured } = await measure(['node', 'bin/kvmplay.mjs', 'run', PLAY, '-i', inventory, '-e', `generation=${generation}`, '--forks', String(forks), '--json'], {}, ROOT, true)
  return { measured, changed: changedCounts(output ?? '') }
}

async function settle(): Promise<void> {
  const until = Date.now() + 15_000
  while (Date.now() < until && (await busyShare(500)) >= 0.05);
}

interface Row {
  n: number
  tool: 'kvmplay' | 'floor'
  round?: number
  first?: Measure
  noop?: Measure
}

const rows: Row[] = []
const labUpSeconds: Record<number, number> = {}
let generation = Math.floor(Date.now() / 1000) % 100_000
await labDown(LAB)
for (const n of sizes) {
  const up = await labUp(n, { ...LAB, cheap: true, login: 'root' })
  labUpSeconds[n] = up.seconds
  const hosts = Array.from({ length: n }, (_, i) => hostPlan(up.lab, i + 1))
  console.error(`N=${n}: lab up (cheap hosts) in ${up.seconds.toFixed(1)} s`)
  if (n === sizes[0]) warmKvmplay(PLAY, up.inventory, ['-e', `generation=${generation}`])
  for (let round = 1; round <= rounds; round++) {
    await settle()
    const g = ++generation
    const { measured: first, changed } = await kvmplay(up.inventory, g)
    const bad = wrongHosts(hosts, g)
    if (first.code !== 0 || bad.length || changed.get(6) !== n) throw new Error(`kvmplay at N=${n}: exit ${first.code}, changed ${JSON.stringify([...changed])}, wrong state on ${bad.slice(0, 10).join(' ')}`)
    await settle()
    const { measured: noop, changed: changedAgain } = await kvmplay(up.inventory, g)
    if (noop.code !== 0 || changedAgain.get(0) !== n) throw new Error(`kvmplay's no-op at N=${n}: exit ${noop.code}, changed ${JSON.stringify([...changedAgain])}`)
    rows.push({ n, tool: 'kvmplay', round, first, noop })
    await settle()
    const gf = ++generation
    const floorFirst = await measure(floorCommand(hosts, (h) => floorScript(h, gf), join(LAB.dir, 'floor-first')))
    const wrong = wrongHosts(hosts, gf)
    if (floorFirst.code !== 0 || wrong.length) throw new Error(`the floor at N=${n}: exit ${floorFirst.code}, wrong state on ${wrong.slice(0, 10).join(' ')}`)
    await settle()
    const floorNoop = await measure(floorCommand(hosts, READ_SCRIPT, join(LAB.dir, 'floor-read')))
    rows.push({ n, tool: 'floor', round, first: floorFirst, noop: floorNoop })
    console.error(`N=${n} round ${round}: kvmplay first ${first.wall.toFixed(2)} s (${first.peakMiB.toFixed(0)} MiB), no-op ${noop.wall.toFixed(2)} s; floor first ${floorFirst.wall.toFixed(2)} s, reads ${floorNoop.wall.toFixed(2)} s`)
  }
}
await labDown(LAB)

const summary: Row[] = sizes.flatMap((n) =>
  (['kvmplay', 'floor'] as const).map((tool) => {
    const rs = rows.filter((r) => r.n === n && r.tool === tool)
    return { n, tool, first: medianOf(rs.map((r) => r.first!)), noop: medianOf(rs.map((r) => r.noop!)) }
  }),
)
const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d))
const lines = [`cheap hosts, --forks ${forks} (the floor: xargs -P ${forks}), ${rounds} round${rounds > 1 ? 's' : ''}\n`]
lines.push('| N | tool | first run: wall s | CPU s | peak MiB | no-op: wall s | CPU s | peak MiB |', '|---|---|---|---|---|---|---|---|')
for (const r of summary) lines.push(`| ${r.n} | ${r.tool} | ${f(r.first?.wall)} | ${f(r.first?.cpu)} | ${f(r.first?.peakMiB, 0)} | ${f(r.noop?.wall)} | ${f(r.noop?.cpu)} | ${f(r.noop?.peakMiB, 0)} |`)
const at = (n: number, tool: Row['tool']) => summary.find((r) => r.n === n && r.tool === tool)!
lines.push('')
for (const n of sizes) {
  const k = at(n, 'kvmplay')
  const fl = at(n, 'floor')
  lines.push(
    `N=${n}: kvmplay first ${f((k.first!.wall / n) * 1000, 1)} ms/host (${f(k.first!.wall / fl.first!.wall)}× the floor), no-op ${f((k.noop!.wall / n) * 1000, 1)} ms/host (${f(k.noop!.wall / fl.noop!.wall)}× the reads); lab up ${f(labUpSeconds[n], 1)} s`,
  )
}
if (sizes.length > 1) {
  const [a, b] = [sizes[0], sizes[sizes.length - 1]]
  const peak = (n: number) => Math.max(at(n, 'kvmplay').first!.peakMiB, at(n, 'kvmplay').noop!.peakMiB)
  lines.push(`controller memory: ${f(peak(a), 0)} MiB at ${a} hosts, ${f(peak(b), 0)} MiB at ${b}: ${f((peak(b) - peak(a)) / (b - a), 2)} MiB per added host`)
}
console.log(lines.join('\n'))

mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
writeFileSync(join(ROOT, 'bench/results', `scale-${stamp}.json`), JSON.stringify({ command: `node --import tsx bench/scale.ts ${args.join(' ')}`.trim(), forks, rows, summary, labUpSeconds }, null, 2) + '\n')
if (sizes.length > 1) {
  writeFileSync(join(ROOT, 'bench/results/scale-time-vs-hosts.svg'), chartSvg(summary, `Wall time of the fleet baseline against host count (cheap lab hosts, --forks ${forks}, 2 cores)`))
  console.log('\nchart: bench/results/scale-time-vs-hosts.svg')
}
