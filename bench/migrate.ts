/**
 * kvmplay against tuned Ansible, side by side on the same lab, in one run:
 * the seed's NAT-to-bridge migration from a fresh lab, then a no-op re-run,
 * for each tool; then the floor (one SSH session per host, in parallel,
 * running the reads a no-op check needs). Both tools' end states are
 * verified on every host. Prints a table and the ratios; writes an SVG bar
 * chart of each size (every tool, the medians, each round, the ratios) and,
 * with several sizes, one of time against host count.
 *
 *   node --import tsx bench/migrate.ts [N=20] [--sizes 1,5,10,20] [--tools kvmplay,ansible] [--rounds R] [--profile none|networkmanager] [--access root|jump|sudo|sudo-jump]
 *
 * With --rounds R each size is measured R times, the tools taking turns
 * (kvmplay, Ansible, the floor, kvmplay, …), and the table gives every round
 * and the medians: this machine's speed drifts by ±20 % over minutes, more
 * than one pair of runs can tell apart.
 *
 * With --profile networkmanager the lab's hosts keep their uplink in
 * NetworkManager (a keyfile, NM on its own D-Bus in each host): kvmplay runs
 * the same playbook (it picks its NetworkManager backend by itself), Ansible
 * runs ansible/migrate-nm.yml (community.general.nmcli), and the end state is
 * checked in NetworkManager's profiles instead of ifcfg files.
 *
 * With --access sudo-jump the hosts are behind a bastion (lab up --jump 1)
 * and port 22 is closed to root (--login sudo); `jump` and `sudo` are each
 * alone, to tell their costs apart. Both tools log in as the
 * lab's sudo user through the bastion (the lab inventory's ssh args: -F its
 * ssh_config, ProxyJump j1) and escalate with sudo and a password — kvmplay
 * from --become-password-file, Ansible from a vars file (-e @FILE, mode 0600)
 * with ansible_become_password, neither on a command line. The floor stays
 * root's one OpenSSH session per host, through the same bastion.
 *
 * --net 198.18 puts its lab there (default 198.19), beside another lab.
 *
 * A benchmark, not a test: it never fails on timing (only on a wrong end state).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown, labUp } from '../src/lab/lab.ts'
import { labPaths } from '../src/lab/state.ts'
import { hostPlan } from '../src/lab/addressing.ts'
import type { HostPlan } from '../src/lab/addressing.ts'
import { floorFirstScript } from './floor-first.ts'
import { BENCH_PROFILES, verifyMigrated } from './verify.ts'
import type { BenchProfile } from './verify.ts'
import { migrateCharts } from './migrate-charts.ts'
import { measure, medianOf, busyShare, warmKvmplay } from './measure.ts'
import type { Measure } from './measure.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
/** Its own lab, on 198.19 unless --net says 198.18 (beside the tests' lab, say). */
const LAB = { name: 'bench', net: opt('net') ?? '198.19', dir: '/tmp/kvmplay-bench' }
const sizes = (opt('sizes') ?? args.find((a) => /^\d+$/.test(a)) ?? '20').split(',').map(Number)
const TOOLS = ['kvmplay', 'ansible', 'mitogen', 'floor-first'] as const
const tools = (opt('tools') ?? TOOLS.join(',')).split(',') as Tool[]
for (const t of tools) if (!TOOLS.includes(t)) throw new Error(`--tools takes ${TOOLS.join(', ')}, not ${t}`)
const rounds = Number(opt('rounds') ?? 1)
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds wants a whole number ≥ 1, not ${opt('rounds')}`)
/**
 * ansible: tuned Ansible (bench/ansible/ansible.cfg); mitogen: the same with Debian's
 * ansible-mitogen, strategy mitogen_free; floor-first: the first run's floor, one
 * hand-written script per host in one OpenSSH session (bench/floor-first.ts), no re-run.
 */
type Tool = (typeof TOOLS)[number]
const profile = (opt('profile') ?? 'none') as BenchProfile
if (!BENCH_PROFILES.includes(profile)) throw new Error(`--profile wants one of ${BENCH_PROFILES.join(', ')}, not ${profile}`)
const ACCESS = ['root', 'jump', 'sudo', 'sudo-jump'] as const
const access = (opt('access') ?? 'root') as (typeof ACCESS)[number]
if (!ACCESS.includes(access)) throw new Error(`--access wants one of ${ACCESS.join(', ')}, not ${access}`)
/** Behind the bastion; logged in to as the sudo user, with a password. */
const [viaJump, sudo] = [access.endsWith('jump'), access.startsWith('sudo')]
const passwordFile = join(LAB.dir, 'become-password')
/** Ansible's become password, as a vars file only root can read: -e @FILE keeps it off the command line. */
function ansibleBecomeVars(): string {
  const file = join(LAB.dir, 'become-vars.json')
  writeFileSync(file, JSON.stringify({ ansible_become_password: readFileSync(passwordFile, 'utf8').trim() }) + '\n', { mode: 0o600 })
  return file
}

async function runTool(tool: Tool, inventory: string): Promise<Measure> {
  if (tool === 'ansible' && viaJump) {
    const config = sharedBastionConfig()
    openBastion(config)
    try {
      return await runToolDirect(tool, ansibleInventory(inventory))
    } finally {
      closeBastion(config)
    }
  }
  return runToolDirect(tool, inventory)
}

/** Mitogen's strategy plugins, where Debian's ansible-mitogen puts them. */
const MITOGEN = { ANSIBLE_STRATEGY_PLUGINS: '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy', ANSIBLE_STRATEGY: 'mitogen_free' }

const MIGRATE_PLAY = join(ROOT, 'playbooks/migrate-nat-to-bridge.play.ts')
const kvmplayAccess = () => (sudo ? ['--become-password-file', passwordFile] : [])
const runToolDirect = (tool: Tool, inventory: string) =>
  tool === 'floor-first'
    ? floorFirst()
    : tool === 'kvmplay'
    ? measure([process.execPath, join(ROOT, 'bin/kvmplay.mjs'), 'run', MIGRATE_PLAY, '-i', inventory, '--forks', '100', ...kvmplayAccess()])
    : measure(
        ['ansible-playbook', '-i', inventory, '-f', '100', ...(sudo ? ['-e', `@${ansibleBecomeVars()}`] : []), profile === 'networkmanager' ? 'migrate-nm.yml' : 'migrate.yml'],
        { ANSIBLE_CONFIG: join(ROOT, 'bench/ansible/ansible.cfg'), ...(tool === 'mitogen' ? MITOGEN : {}) },
        join(ROOT, 'bench/ansible'),
      )

/** The reads a no-op check of the migration needs, in one script: the persisted network as the profile keeps it, then the same for both. */
const FLOOR_SCRIPT = [
  profile === 'networkmanager'
    ? 'cat /etc/NetworkManager/system-connections/* /etc/sysctl.conf /proc/sys/net/ipv4/ip_forward; nmcli -t -f NAME,UUID,TYPE,DEVICE,ACTIVE,FILENAME connection show'
    : 'cat /etc/sysconfig/network-scripts/ifcfg-* /etc/sysctl.conf /proc/sys/net/ipv4/ip_forward',
  'ip -j -d addr show; ip -j route show',
  'for n in $(virsh -q net-list --all --name); do virsh net-info $n; virsh net-dumpxml --inactive $n; done',
  'for d in $(virsh -q list --all --name); do virsh domstate $d; virsh dumpxml --inactive $d; virsh dumpxml $d; done',
].join('\n')

/**
 * Behind the bastion, OpenSSH's sessions share one connection to it (ControlMaster), as
 * kvmplay's do: 20 ProxyJumps at once each open their own, and the bastion's sshd
 * (MaxStartups 10:30:100) drops some — Ansible lost 1 or 2 hosts of 20 that way,
 * unreachable. A careful user's ssh_config: the lab's, with a master for j1.
 */
function sharedBastionConfig(): string {
  const config = join(LAB.dir, 'ssh_config-shared-bastion')
  writeFileSync(config, `Host j1\n  ControlMaster auto\n  ControlPath /tmp/kvmplay-bench-j1-${process.pid}\n  ControlPersist 120\nHost *\nInclude ${labPaths(LAB.dir).sshConfig}\n`)
  return config
}
/** Opens the bastion's master connection (Ansible's is opened before its run, outside the time measured: its advantage). */
// stdio ignored: ssh -f's background half would hold a pipe open, and the caller wait for it.
const ssh = (args: string[]) => spawnSync('ssh', args, { stdio: 'ignore' }).status
function openBastion(config: string): void {
  if (ssh(['-F', config, '-O', 'check', 'j1']) !== 0 && ssh(['-F', config, '-fN', 'j1']) !== 0) throw new Error(`cannot open the master connection to j1 (ssh -F ${config} -fN j1)`)
}
const closeBastion = (config: string) => ssh(['-F', config, '-O', 'exit', 'j1'])

/** Ansible's inventory behind the bastion: the lab's, its ssh args naming the shared-bastion ssh_config. */
function ansibleInventory(inventory: string): string {
  const file = join(LAB.dir, 'inventory-ansible.yaml')
  writeFileSync(file, readFileSync(inventory, 'utf8').replaceAll(`-F ${labPaths(LAB.dir).sshConfig}`, `-F ${sharedBastionConfig()}`))
  return file
}

/** The floor: one OpenSSH session per host, all in parallel, each running the read script once (behind the bastion, over one connection to it, opened in the time measured). */
function floor(hosts: HostPlan[]): Promise<Measure> {
  const config = viaJump ? sharedBastionConfig() : labPaths(LAB.dir).sshConfig
  const master = viaJump ? `ssh -F ${config} -fN j1 && ` : ''
  const script = master + '{\n' + hosts.map((h) => `ssh -F ${config} ${h.name} '${FLOOR_SCRIPT.replace(/'/g, `'\\''`)}' >/dev/null &`).join('\n') + `\nwait\n}${viaJump ? `; ssh -F ${config} -O exit j1 2>/dev/null` : ''}`
  return measure(['sh', '-c', script])
}

/** The first run's floor: every host's hand-written migration script, one OpenSSH session each, all in parallel. */
function floorFirst(): Promise<Measure> {
  if (profile !== 'none') throw new Error(`the first run's floor is written for profile none only, not ${profile}: --tools without floor-first`)
  const config = viaJump ? sharedBastionConfig() : labPaths(LAB.dir).sshConfig
  const scripts = labHosts.map((h) => {
    const file = join(LAB.dir, `floor-first-${h.name}.sh`)
    writeFileSync(file, floorFirstScript(h) + '\n')
    return `ssh -F ${config} ${h.name} sh -s < ${file} >/dev/null &`
  })
  const master = viaJump ? `ssh -F ${config} -fN j1 && ` : ''
  return measure(['sh', '-c', `${master}{\n${scripts.join('\n')}\nwait\n}${viaJump ? `; ssh -F ${config} -O exit j1 2>/dev/null` : ''}`])
}

/**
 * A fresh lab, settled: the hosts' guests finish booting after the lab says
 * ready (the machine ~15 % busy for a second or two), which would land on
 * whichever tool runs first — most of a 3 s run, little of a 30 s one. Each
 * tool starts on a quiet machine (under 5 % busy over half a second; 15 s at most).
 */
/** The fresh lab's hosts (the first run's floor writes its scripts from their plan). */
let labHosts: HostPlan[] = []
async function freshLab(n: number): Promise<{ hosts: HostPlan[]; inventory: string }> {
  await labDown(LAB)
  const up = await labUp(n, { ...LAB, profile, jump: viaJump ? 1 : 0, login: sudo ? 'sudo' : 'root' })
  const until = Date.now() + 15_000
  while (Date.now() < until && (await busyShare(500)) >= 0.05);
  labHosts = Array.from({ length: n }, (_, i) => hostPlan(up.lab, i + 1))
  return { hosts: labHosts, inventory: up.inventory }
}

interface Row {
  n: number
  tool: Tool | 'floor'
  /** 1…R; absent on the medians. */
  round?: number
  first?: Measure
  /** Absent for the first run's floor, which has no re-run. */
  noop?: Measure
}

const rows: Row[] = []
for (const n of sizes) {
  for (let round = 1; round <= rounds; round++) {
    let last: HostPlan[] = []
    for (const tool of tools) {
      const { hosts, inventory } = await freshLab(n)
      // Once, before kvmplay's first measured run; behind the bastion its --check logs in as the measured runs do.
      if (tool === 'kvmplay' && n === sizes[0] && round === 1) warmKvmplay(MIGRATE_PLAY, inventory, kvmplayAccess())
      const first = await runTool(tool, inventory)
      const problems = await verifyMigrated(hosts, labPaths(LAB.dir).sshConfig, profile)
      if (problems.length) throw new Error(`${tool} at N=${n} (profile ${profile}) did not reach the end state:\n${problems.slice(0, 10).join('\n')}`)
      const noop = tool === 'floor-first' ? undefined : await runTool(tool, inventory)
      rows.push({ n, tool, round, first, noop })
      console.error(`N=${n} profile ${profile} access ${access} round ${round} ${tool}: first ${first.wall.toFixed(2)} s${noop ? `, no-op ${noop.wall.toFixed(2)} s` : ''} (end state verified on ${n} hosts)`)
      last = hosts
    }
    rows.push({ n, tool: 'floor', round, noop: await floor(last) })
  }
}
await labDown(LAB)

/** One row per size and tool: the run itself, or with several rounds the medians (peak memory: the highest). */
const summary: Row[] = sizes.flatMap((n) =>
  ([...TOOLS, 'floor'] as const).flatMap((tool) => {
    const rs = rows.filter((r) => r.n === n && r.tool === tool)
    if (!rs.length) return []
    const pick = (k: 'first' | 'noop') => rs.flatMap((r) => (r[k] ? [r[k]!] : []))
    const [firsts, noops] = [pick('first'), pick('noop')]
    return [{ n, tool, first: firsts.length ? medianOf(firsts) : undefined, noop: noops.length ? medianOf(noops) : undefined }]
  }),
)

const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d))
const lines: string[] = [`lab profile: ${profile}, access: ${access}\n`]
lines.push(`| N | tool | round | first run: wall s | CPU s | peak MiB | no-op: wall s | CPU s | peak MiB |`)
lines.push(`|---|---|---|---|---|---|---|---|---|`)
const line = (r: Row, label: string) =>
  lines.push(`| ${r.n} | ${r.tool} | ${label} | ${f(r.first?.wall)} | ${f(r.first?.cpu)} | ${f(r.first?.peakMiB, 0)} | ${f(r.noop?.wall)} | ${f(r.noop?.cpu)} | ${f(r.noop?.peakMiB, 0)} |`)
if (rounds > 1) for (const r of rows) line(r, String(r.round))
for (const r of summary) line(r, rounds > 1 ? `median of ${rounds}` : '1')

/**
 * The ratios, each as `a/b`: how many times kvmplay's time a peer takes, or kvmplay's time as a
 * multiple of a floor. Each round's own ratio too: its runs were minutes apart, not the whole benchmark.
 */
const RATIOS: { label: string; num: Row['tool']; den: Row['tool']; phase: 'first' | 'noop' }[] = [
  { label: 'first run Ansible/kvmplay', num: 'ansible', den: 'kvmplay', phase: 'first' },
  { label: 'first run Ansible+Mitogen/kvmplay', num: 'mitogen', den: 'kvmplay', phase: 'first' },
  { label: 'first run kvmplay/floor', num: 'kvmplay', den: 'floor-first', phase: 'first' },
  { label: 'no-op Ansible/kvmplay', num: 'ansible', den: 'kvmplay', phase: 'noop' },
  { label: 'no-op Ansible+Mitogen/kvmplay', num: 'mitogen', den: 'kvmplay', phase: 'noop' },
  { label: 'no-op kvmplay/floor', num: 'kvmplay', den: 'floor', phase: 'noop' },
]
for (const n of sizes) {
  const parts: string[] = []
  for (const q of RATIOS) {
    const at = (tool: Row['tool'], round?: number) => rows.filter((r) => r.n === n && r.tool === tool && (round === undefined || r.round === round))
    if (!at(q.num).length || !at(q.den).length) continue
    const wall = (rs: Row[]) => rs[0]?.[q.phase]?.wall ?? NaN
    const med = (tool: Row['tool']) => summary.find((r) => r.n === n && r.tool === tool)?.[q.phase]?.wall ?? NaN
    const each = rounds > 1 ? ` (per round ${Array.from({ length: rounds }, (_, i) => f(wall(at(q.num, i + 1)) / wall(at(q.den, i + 1)), 2)).join(', ')})` : ''
    parts.push(`${q.label} ${f(med(q.num) / med(q.den), 2)}×${each}`)
  }
  if (parts.length) lines.push(`\nN=${n}${rounds > 1 ? ` (medians of ${rounds} rounds)` : ''}:\n  ${parts.join('\n  ')}`)
}
console.log(lines.join('\n'))

mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
writeFileSync(join(ROOT, 'bench/results', `migrate-${stamp}.json`), JSON.stringify({ command: `node --import tsx bench/migrate.ts ${args.join(' ')}`.trim(), profile, access, rows, summary }, null, 2) + '\n')
for (const { file, svg } of migrateCharts({ profile, access, rows, summary })) {
  writeFileSync(join(ROOT, file), svg)
  console.log(`chart: ${file}`)
}
