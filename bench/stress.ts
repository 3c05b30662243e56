/**
 * The stress and fault suite of issue 28: many consecutive kvmplay runs on a
 * lab fleet, the migration and the way back taking turns so that every run
 * changes every host, each run watched by a watchdog; optionally on a loaded
 * machine, and with a fault given to some hosts on the way (src/lab/faults.ts).
 * After each run the faults are repaired, the hosts' own rollbacks waited
 * for, and every host's end state read on the host. It reports, per run and
 * in all: did it end by itself, did the recap name every host, and did each
 * host end consistent — booting as it runs, no guest pointing nowhere, no
 * cutover left undecided — and where (migrated, not bridged, in between).
 *
 *   node --import tsx bench/stress.ts [--hosts 20] [--runs 50] [--fault none|sshd-stop|sshd-freeze|drop|stall|libvirtd-kill]
 *        [--profiles networkmanager,ifupdown,netplan,network-scripts] [--load] [--share 0.25] [--confirm-timeout 15]
 *        [--watchdog 300] [--net 198.18] [--dhcp] [--keep]
 *
 * A run of one fault after another: --fault all, or a comma-separated list (--fault drop,stall). Results: bench/results/stress-*.json.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown, labUp } from '../src/lab/lab.ts'
import { labPaths } from '../src/lab/state.ts'
import { hostPlan } from '../src/lab/addressing.ts'
import type { HostPlan } from '../src/lab/addressing.ts'
import { FAULTS } from '../src/lab/faults.ts'
import type { Fault } from '../src/lab/faults.ts'
import { inconsistencies, runWithFault, settle } from '../src/lab/fault-run.ts'
import { phase } from '../src/lab/end-state.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const count = Number(opt('hosts', '20'))
const runs = Number(opt('runs', '50'))
const faultArg = opt('fault', 'none')
const faults: (Fault | undefined)[] = faultArg === 'all' ? [...FAULTS] : faultArg === 'none' ? [undefined] : (faultArg.split(',') as Fault[])
for (const f of faults) if (f !== undefined && !(FAULTS as readonly string[]).includes(f)) throw new Error(`unknown fault '${f}': use none, all, or a comma-separated list of ${FAULTS.join(', ')}`)
const profiles = opt('profiles', 'networkmanager,ifupdown,netplan,network-scripts')
const share = Number(opt('share', '0.25'))
const confirmTimeout = Number(opt('confirm-timeout', '15'))
const watchdogMs = Number(opt('watchdog', '300')) * 1000
const LAB = { name: 'stress', net: opt('net', '198.18'), dir: '/tmp/kvmplay-stress' }
const PLAYS = [join(ROOT, 'playbooks/migrate-nat-to-bridge.play.ts'), join(ROOT, 'playbooks/migrate-bridge-to-nat.play.ts')]

/** Two busy loops, one per core: the controller and the hosts share a machine that is doing something else. */
function load(): ChildProcess[] {
  return [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }))
}

const pick = <T>(list: T[], n: number) => [...list].sort(() => Math.random() - 0.5).slice(0, n)

async function main() {
  console.log(`stress: ${count} hosts (${profiles}), ${runs} runs per fault, faults: ${faults.map((f) => f ?? 'none').join(', ')}${args.includes('--load') ? ', machine loaded' : ''}`)
  const up = await labUp(count, { ...LAB, profile: profiles, dhcp: args.includes('--dhcp') })
  const hosts: HostPlan[] = up.hosts.map((_, i) => hostPlan(up.lab, i + 1))
  const profileOf = (h: HostPlan) => up.hosts.find((x) => x.name === h.name)!.profile
  const { sshConfig } = labPaths(up.lab.dir)
  const loaders = args.includes('--load') ? load() : []
  const results: unknown[] = []
  const totals = { runs: 0, ended: 0, reportedAll: 0, consistentHosts: 0, hosts: 0, unfaultedFailures: 0 }
  try {
    for (const fault of faults) {
      for (let i = 0; i < runs; i++) {
        const play = PLAYS[i % 2]
        const targets = fault ? pick(hosts, Math.max(1, Math.round(hosts.length * share))) : []
        const delayMs = 300 + Math.floor(Math.random() * 2200)
        const r = await runWithFault({ args: ['run', play, '-i', up.inventory, '-e', `confirm_timeout=${confirmTimeout}`], fault, targets, delayMs, watchdogMs })
        const states = await settle(sshConfig, hosts, profileOf, fault, targets, (confirmTimeout + 40) * 1000)
        const missing = hosts.filter((h) => !r.recap?.[h.name] && !r.interrupted?.[h.name]).map((h) => h.name)
        const bad = states.flatMap((s) => inconsistencies(s).map((w) => `${s.host}: ${w}`))
        const where = Object.entries(states.reduce<Record<string, string[]>>((m, s) => ((m[phase(s)] ??= []).push(s.host), m), {}))
        totals.runs++
        if (r.ended) totals.ended++
        if (!missing.length && r.recap) totals.reportedAll++
        totals.hosts += states.length
        totals.consistentHosts += states.filter((s) => inconsistencies(s).length === 0).length
        const faulted = targets.map((h) => `${h.name}: ${r.outcome[h.name] ?? 'no result'}`)
        // A host no fault was given to must not fail or roll back: the change itself went wrong there.
        const unfaulted = hosts.filter((h) => !targets.includes(h) && /^(failed|rolled_back|unreachable)/.test(r.outcome[h.name] ?? '')).map((h) => `${h.name}: ${r.outcome[h.name]}`)
        totals.unfaultedFailures += unfaulted.length
        console.log(
          `run ${totals.runs} ${i % 2 ? 'way back' : 'migrate '} fault=${fault ?? 'none'}${fault ? ` at ${(delayMs / 1000).toFixed(1)} s on ${targets.map((h) => h.name).join(',')}` : ''}: ` +
            `${r.ended ? 'ended' : 'HUNG (watchdog)'} in ${(r.wallMs / 1000).toFixed(1)} s, exit ${r.code}` +
            `${missing.length ? `, NOT REPORTED: ${missing.join(',')}` : ''}; ${bad.length ? `INCONSISTENT: ${bad.join('; ')}` : 'every host consistent'}\n` +
            `    hosts: ${where.map(([p, hs]) => `${p} ${hs.length}`).join(', ')}${faulted.length ? `\n    faulted: ${faulted.join(' | ')}` : ''}` +
            `${unfaulted.length ? `\n    FAILED WITHOUT A FAULT: ${unfaulted.join(' | ')}` : ''}`,
        )
        results.push({ run: totals.runs, play: i % 2 ? 'way back' : 'migrate', fault, delayMs, targets: targets.map((h) => h.name), ...r, missing, inconsistent: bad, unfaulted, states })
      }
    }
  } finally {
    for (const l of loaders) l.kill('SIGKILL')
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
    const file = join(ROOT, `bench/results/stress-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, JSON.stringify({ count, runs, faults, profiles, share, confirmTimeout, loaded: loaders.length > 0, totals, results }, null, 2))
    console.log(
      `\nstress: ${totals.ended}/${totals.runs} runs ended by themselves, ${totals.reportedAll}/${totals.runs} reported every host, ` +
        `${totals.consistentHosts}/${totals.hosts} host end states consistent, ${totals.unfaultedFailures} failures on hosts without a fault (${file})`,
    )
    if (!args.includes('--keep')) await labDown(LAB)
  }
  process.exit(totals.ended === totals.runs && totals.reportedAll === totals.runs && totals.consistentHosts === totals.hosts && totals.unfaultedFailures === 0 ? 0 : 1)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
