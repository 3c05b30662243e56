/**
 * The cutover's probes on lab hosts: where a host has no ping, the gateway
 * is asked by neighbour resolution; a condition already false
 * before the change (a gateway that does not answer, libvirtd stopped, a
 * probe's tool missing) fails the task with nothing changed; a probe that
 * fails only after the change rolls back at once; an optional probe that
 * cannot run is skipped and said so. Every verdict is checked on the hosts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { labDown } from '../../src/lab/lab.ts'
import { TEST_LAB, labTest, onHost, useLab } from '../helpers/lab.ts'
import { FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const probes = suite('cutover probes')
const it = labTest(probes)
const PLAY = join(FIXTURES, 'probes.play.ts')
let hosts: HostPlan[]
let inventory: string
const figures: string[] = []

const labArgs = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l))
const apply = (out: string) => events(out).find((e) => e.type === 'task' && /^apply bridge/.test(e.task))
const run = (host: string, vars: Record<string, unknown>) => kvmplay(['run', PLAY, '-i', inventory, '-l', host, '--json', '-e', JSON.stringify(vars)])
/** Links, addresses, routes and the cutover directories: what "nothing was changed" means here. */
const netState = (h: HostPlan) => onHost(h, "ip -br link | awk '{print $1}' | sort; ip -o addr show scope global | awk '{print $2, $4}' | sort; ip route show default; ls -d /run/kvmplay/cutover-* 2>/dev/null | wc -l")

probes.before(async () => {
  if (process.getuid?.() !== 0) return
  await labDown(TEST_LAB)
  const lab = await useLab(3)
  hosts = lab.hosts
  inventory = lab.inventory
})

probes.after(async () => {
  if (process.getuid?.() === 0) await labDown(TEST_LAB)
  if (figures.length) console.log(`\n${figures.join('\n')}`)
})

it('a host without ping: the gateway answers to neighbour resolution, the change is confirmed', async () => {
  const h1 = hosts[0]
  // /usr is the host's own overlay: ping goes from h1 only.
  await onHost(h1, 'rm -f /usr/bin/ping')
  assert.is((await onHost(h1, 'command -v ping || echo none')).trim(), 'none', 'h1 has no ping')
  const res = run('h1', {})
  assert.is(res.code, 0, res.out + res.err)
  assert.is(apply(res.out).status, 'changed', res.out)
  assert.match(await onHost(h1, 'ip -4 -o addr show dev br0'), ` ${h1.address}/${h1.prefix} `)
  assert.match(await onHost(h1, `ip neigh show to ${h1.gateway}`), new RegExp(`dev br0 lladdr [0-9a-f:]+ (REACHABLE|STALE|DELAY|PROBE)`), 'the gateway was asked over br0')
  assert.is(recapOf(run('h1', {}).out).hosts.h1.changed, 0, 'a second run changes nothing')
})

it('a gateway that does not answer before the change: the task fails with nothing changed, and says so', async () => {
  const h2 = hosts[1]
  const before = await netState(h2)
  const wrong = h2.gateway.replace(/\d+$/, '77')
  const res = run('h2', { gateway: wrong })
  assert.is(res.code, 2, res.out + res.err)
  const e = apply(res.out)
  assert.is(e.status, 'failed', res.out)
  assert.match(e.reason, new RegExp(`"the gateway ${wrong.replace(/\./g, '\\.')} answers" does not hold \\(exit 1\\): no answer to ping nor to neighbour resolution .* on h2 before the change — nothing was changed`))
  assert.is(await netState(h2), before)
})

it('libvirtd stopped before the run: "libvirtd does not answer on h2 before the change — nothing was changed"', async () => {
  const h2 = hosts[1]
  await onHost(h2, 'kill $(cat /run/libvirtd.pid); i=0; while [ -e /proc/$(cat /run/libvirtd.pid 2>/dev/null || echo x) ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done')
  const before = await netState(h2)
  const res = run('h2', {})
  assert.is(res.code, 2, res.out + res.err)
  assert.match(apply(res.out).reason, /^libvirtd does not answer \(.*\) on h2 before the change — nothing was changed$/)
  assert.is(await netState(h2), before)
  assert.is(kvmplay(['lab', 'reboot', 'h2', ...labArgs]).code, 0)
})

it('a rolling rollout whose canary fails after the change ends within seconds of its verdict, the rest untouched', async () => {
  const [, h2, h3] = hosts
  const before = await Promise.all([h2, h3].map(netState))
  const started = Date.now()
  const res = kvmplay(['run', PLAY, '-i', inventory, '-l', 'h2:h3', '--serial', '1', '--json', '-e', JSON.stringify({ probes: [{ name: 'no bridge yet', command: '! ip link show br0 >/dev/null 2>&1' }] })])
  const seconds = (Date.now() - started) / 1000
  assert.is(res.code, 2, res.out)
  const recap = recapOf(res.out)
  assert.is(recap.hosts.h2.rolled_back, 1, res.out)
  assert.equal(recap.untouched, ['h3'])
  assert.ok(seconds < 60, `the run ended after ${seconds} s, not a 60 s timeout later`)
  figures.push(`rolling rollout, failing canary (confirmTimeout 60): the whole run ended after ${seconds.toFixed(1)} s`)
  const after = await Promise.all([h2, h3].map(netState))
  assert.is(after[1], before[1], 'h3 untouched')
  assert.is(after[0].replace(/\d+\n$/, ''), before[0].replace(/\d+\n$/, ''), 'h2 as it was')
})

it("a probe's missing tool fails before the change; marked optional, it is skipped and the result says so", async () => {
  const h2 = hosts[1]
  const before = await netState(h2)
  const missing = run('h2', { probes: [{ name: 'the monitoring agent answers', command: 'kvmplay-no-such-agent --ping' }] })
  assert.is(missing.code, 2, missing.out)
  assert.match(apply(missing.out).reason, /^"the monitoring agent answers" cannot run on the host: .*not found on h2 before the change — nothing was changed$/)
  assert.is(await netState(h2), before)
  const optional = run('h2', { probes: [{ name: 'the monitoring agent answers', command: 'kvmplay-no-such-agent --ping', optional: true }] })
  assert.is(optional.code, 0, optional.out)
  const e = apply(optional.out)
  assert.is(e.status, 'changed')
  assert.match(e.reason, /"the monitoring agent answers" cannot run on the host, skipped \(optional\)/)
  assert.match(await onHost(h2, 'ip -4 -o addr show dev br0'), ` ${h2.address}/${h2.prefix} `)
})

it('a probe that fails only after the change rolls back at once: the verdict long before the 60 s timer, the host as it was', async () => {
  const h3 = hosts[2]
  const before = await netState(h3)
  const started = Date.now()
  // Holds before (no br0), fails after: what a probe of a service that breaks on the bridge looks like.
  const res = run('h3', { probes: [{ name: 'no bridge yet', command: '! ip link show br0 >/dev/null 2>&1' }] })
  const seconds = (Date.now() - started) / 1000
  assert.is(res.code, 2, res.out)
  const e = apply(res.out)
  assert.is(e.status, 'rolled_back', res.out)
  assert.match(e.reason, /rolled back — "no bridge yet" does not hold \(exit 1\).*restored its previous state by itself \(restore exit 0\), verified/)
  assert.ok(seconds < 60, `verdict after ${seconds} s`)
  figures.push(`a probe failing after the change (confirmTimeout 60): rolled back and verified, verdict after ${seconds.toFixed(1)} s`)
  const after = await netState(h3)
  assert.is(after.replace(/\d+\n$/, ''), before.replace(/\d+\n$/, ''), 'links, addresses and routes as they were (a cutover directory is left, for the record)')
})

probes.run()
