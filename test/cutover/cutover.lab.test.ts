/**
 * Fault injection on the lab: the bridge cutover over each host's only link,
 * done right, done wrong (a wrong address, a wrong prefix), with the
 * controller killed in the middle, in rolling batches, and interrupted.
 * Every verdict is checked on the hosts themselves.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { labDown } from '../../src/lab/lab.ts'
import { TEST_LAB, onHost, useLab } from '../helpers/lab.ts'
/** The test lab's network (198.19 unless KVMPLAY_TEST_LAB_NET says otherwise). */
const NET = TEST_LAB.net
import { BIN, FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const cut = suite('cutover')
const CUTOVER = join(FIXTURES, 'cutover.play.ts')
const TIMEOUT = 6
let hosts: HostPlan[]
let inventory: string

/** Addresses, default route, bridge, ifcfg files: what a cutover changes and a rollback restores. */
const netState = (h: HostPlan) =>
  onHost(h, "ip -4 -o addr show scope global | awk '{print $2, $4}' | sort; ip route show default; ip -br link show type bridge | awk '{print $1}' | sort; cat /etc/sysconfig/network-scripts/ifcfg-br0 /etc/sysconfig/network-scripts/ifcfg-eth0 2>&1 | md5sum")
const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l))
const cutover = (...args: string[]) => kvmplay(['run', CUTOVER, '-i', inventory, '-e', `confirm_timeout=${TIMEOUT}`, '--json', ...args])

cut.before(async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(3)
  hosts = lab.hosts
  inventory = lab.inventory
})

cut('--check shows the cutover plan — the change, what the rollback restores, the timeout — and arms nothing', async () => {
  // -v: the plan's detail is cut to the terminal's width without it.
  const res = kvmplay(['run', CUTOVER, '-i', inventory, '-e', `confirm_timeout=${TIMEOUT}`, '--check', '-l', 'h1', '-v'])
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, `link set eth0 master br0; addr add ${NET}.1.2/24 dev br0; addr flush dev eth0 scope global`)
  assert.match(res.out, `Rollback unless confirmed within ${TIMEOUT} s restores: no br0; eth0 ${NET}.1.2/24; default via ${NET}.1.1 dev eth0`)
  assert.is((await onHost(hosts[0], 'ls -d /run/kvmplay 2>/dev/null | wc -l')).trim(), '0')
})

cut('one batch: the right change is confirmed; a wrong address and a wrong prefix roll back by themselves; each host says which', async () => {
  const [h1, h2, h3] = hosts
  const before = await Promise.all([h2, h3].map(netState))
  const started = Date.now()
  const res = cutover('-e', `h2_br_address=${NET}.2.99`, '-e', 'h3_br_prefix=32')
  const seconds = (Date.now() - started) / 1000
  assert.is(res.code, 2, res.out + res.err)
  const recap = recapOf(res.out)
  assert.is(recap.hosts.h1.rolled_back, 0)
  assert.is(recap.hosts.h2.rolled_back, 1)
  assert.is(recap.hosts.h3.rolled_back, 1)
  const why = Object.fromEntries(events(res.out).filter((e) => e.status === 'rolled_back').map((e) => [e.host, e.reason]))
  // Cut off: kvmplay cannot log in again — or, on a busy machine where the detached change lands after the new
  // login, the connection drops while probing and then it cannot, or the probes (which wait for the change to
  // finish) end after the host's timer and the confirmation comes too late. Each way the host restores itself, verified.
  const cutOff = 'could not log in again within 6 s|the connection dropped while probing|confirmation came too late'
  assert.match(why.h2, new RegExp(`rolled back — (${cutOff}).*restored its previous state by itself \\(restore exit 0\\), verified`), why.h2)
  assert.match(why.h3, new RegExp(`rolled back — .*(invalid gateway|${cutOff})`), why.h3)
  // Lost host → verdict is bounded by the confirm timeout (plus reconnecting after the rollback).
  assert.ok(seconds < TIMEOUT + 20, `${seconds} s`)
  // h1: bridged, reachable (we are talking to it), confirmed.
  assert.match(await onHost(h1, 'ip -br addr show br0'), h1.address)
  // h2, h3: as they were, files included.
  assert.equal(await Promise.all([h2, h3].map(netState)), before)
  assert.match(await onHost(h2, 'cat /etc/sysconfig/network-scripts/ifcfg-eth0'), `IPADDR=${NET}.2.2`)
})

cut('a confirmed cutover stays: nothing rolls back after the timeout has passed', async () => {
  const h1 = hosts[0]
  await sleep((TIMEOUT + 2) * 1000)
  assert.match(await onHost(h1, 'ip -br addr show br0'), h1.address)
  assert.is((await onHost(h1, 'ls /run/kvmplay/cutover-*/confirmed 2>/dev/null | wc -l')).trim(), '1')
  assert.is((await onHost(h1, 'ls /run/kvmplay/cutover-*/restore.rc 2>/dev/null | wc -l')).trim(), '0', 'the rollback never ran')
  assert.match(await onHost(h1, 'cat /run/kvmplay/cutover-*/apply.rc'), '0')
})

cut('the controller killed during the apply: the host finishes the change, then, unconfirmed, rolls it back — never half-done', async () => {
  const h2 = hosts[1]
  const before = await netState(h2)
  // A slow probe holds the confirmation back for 8 s: the window to kill kvmplay in.
  const timeout = 15
  const child = spawn(process.execPath, [BIN, 'run', CUTOVER, '-i', inventory, '-l', 'h2', '-e', `confirm_timeout=${timeout} probe_delay=8`], { stdio: 'ignore' })
  // Wait until the host has armed its rollback (the change starts right after), then kill kvmplay outright.
  for (let i = 0; i < 100; i++) {
    if ((await onHost(h2, 'ls /run/kvmplay/cutover-*/armed 2>/dev/null | wc -l')).trim() === '1') break
    await sleep(100)
  }
  child.kill('SIGKILL')
  await new Promise((r) => child.on('exit', r))
  await sleep(1000)
  const armedAt = Date.now()
  assert.match(await onHost(h2, 'cat /run/kvmplay/cutover-*/apply.rc'), '0', 'the change completed though its session died')
  assert.is((await onHost(h2, 'ls /run/kvmplay/cutover-*/confirmed 2>/dev/null | wc -l')).trim(), '0', 'killed before confirming')
  await sleep(Math.max(0, armedAt + timeout * 1000 + 2000 - Date.now()))
  const traces = await onHost(h2, 'for d in /run/kvmplay/cutover-*; do echo "$d: $(ls $d | tr "\\n" " ")"; cat $d/restore.log 2>/dev/null; done; ps -eo pid,args | grep -v grep | grep -E "sleep|fire" || true')
  assert.is(await netState(h2), before, traces)
  assert.match(await onHost(h2, 'cat /run/kvmplay/cutover-*/restore.rc'), '0')
})

cut("a rollback puts back the bridge's own files by default, and every file the run changed with rollbackFiles: 'run'", async () => {
  const [, h2, h3] = hosts
  const scoped = '/etc/kvmplay-scope.conf'
  const before = await Promise.all([h2, h3].map(netState))
  const res = cutover('-l', 'h2:h3', '-e', `h2_br_prefix=32 h3_br_prefix=32 scope_file=${scoped} h3_rollback_files=run`)
  assert.is(res.code, 2, res.out + res.err)
  assert.equal(await Promise.all([h2, h3].map(netState)), before, 'links, routes and ifcfg files restored on both')
  // h2 (default): a file another task wrote is not the bridge's, and stays; h3 ('run'): it is gone again, as before the run.
  assert.is((await onHost(h2, `cat ${scoped}`)).trim(), 'written before the bridge')
  assert.is((await onHost(h3, `test -e ${scoped} && echo present || echo absent`)).trim(), 'absent')
  await onHost(h2, `rm -f ${scoped} /var/lib/kvmplay/backups${scoped}.*~`)
})

cut('a failing canary stops the rollout before the next batch; the recap names the hosts never touched', async () => {
  const [, h2, h3] = hosts
  const before = await netState(h3)
  const res = cutover('-l', 'h2:h3', '--serial', '1,100%', '-e', 'h2_br_prefix=32')
  assert.is(res.code, 2, res.out + res.err)
  const recap = recapOf(res.out)
  assert.equal(Object.keys(recap.hosts), ['h2'])
  assert.equal(recap.untouched, ['h3'])
  assert.match(recap.stopReason ?? '', 'batch 1 of 2: 1 of 1 host(s) failed (h2), over maxFailPercentage 0')
  assert.is(await netState(h3), before)
  assert.match(await onHost(h2, 'ip -4 -br addr show eth0'), h2.address)
})

cut('maxFailPercentage: a batch failing within it lets the rollout go on; beyond it, stops', async () => {
  const [, , h3] = hosts
  const before = await netState(h3)
  // Batches [h1, h2], [h3]: h1 is already bridged (ok), h2 fails: 50 % of the batch.
  const stop = cutover('--serial', '2', '--max-fail-percentage', '49', '-e', 'h2_br_prefix=32')
  assert.equal(recapOf(stop.out).untouched, ['h3'])
  assert.is(await netState(h3), before)
  const go = cutover('--serial', '2', '--max-fail-percentage', '50', '-e', 'h2_br_prefix=32')
  const recap = recapOf(go.out)
  assert.equal(recap.untouched, [])
  assert.is(recap.hosts.h3.changed, 2)
  assert.match(await onHost(h3, 'ip -br addr show br0'), h3.address)
})

cut('Ctrl-C: what runs finishes, nothing new starts, exit 99', async () => {
  const child = spawn(process.execPath, [BIN, 'run', join(FIXTURES, 'slow.play.ts'), '-i', inventory, '--serial', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  for (let i = 0; i < 100 && !out.includes('"type":"task"'); i++) await sleep(100)
  child.kill('SIGINT')
  const code = await new Promise((r) => child.on('exit', r))
  assert.is(code, 99)
  const recap = recapOf(out)
  assert.equal(Object.keys(recap.hosts), ['h1'])
  assert.equal(recap.untouched, ['h2', 'h3'])
  assert.is(recap.stopReason, 'interrupted')
  assert.is((await onHost(hosts[1], 'test -e /var/tmp/kvmplay-slow && echo yes || echo no')).trim(), 'no')
})

cut.run()
