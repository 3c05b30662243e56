import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { snapshotOf, restoreScript, describeSnapshot } from '../../src/cutover/restore.ts'
import { armScript, probeScript, confirmScript } from '../../src/cutover/confirmed-apply.ts'
import { VERIFY } from '../../src/network/verify.ts'
import type { Probe } from '../../src/cutover/probe.ts'
import type { FileOriginal } from '../../src/core/task.ts'
import { readVerdicts } from '../../src/cutover/probe-run.ts'

const fresh = parseHostNetwork(readFileSync(new URL('../fixtures/canned/network-fresh.txt', import.meta.url), 'utf8'))
const snap = snapshotOf(fresh, ['br0', 'eth0'])

test('the snapshot holds what the bridge cutover touches: no br0 yet, eth0 with its address, the default route', () => {
  assert.equal(snap.links, [
    { name: 'br0', existed: false, up: false, addresses: [], addresses6: [] },
    { name: 'eth0', existed: true, master: undefined, up: true, addresses: [{ address: '198.19.3.2', prefix: 24 }], addresses6: [] },
  ])
  assert.equal(snap.defaultRoute, { gateway: '198.19.3.1', dev: 'eth0' })
  assert.is(snap.defaultRoute6, undefined)
  assert.is(describeSnapshot(snap, []), 'no br0; eth0 198.19.3.2/24; default via 198.19.3.1 dev eth0')
})

test('a dual-stack uplink: the restore puts back every address of both families, the primary first, and both default routes', () => {
  const net = parseHostNetwork(readFileSync(new URL('../fixtures/canned/network-dualstack.txt', import.meta.url), 'utf8'))
  const lines = restoreScript(snapshotOf(net, ['br0', 'eth0']), []).split('\n')
  const at = (l: string) => lines.indexOf(l)
  assert.ok(at('ip addr flush dev eth0 scope global') >= 0)
  assert.ok(at('ip addr flush dev eth0 scope global') < at('ip addr add 198.18.7.2/24 dev eth0'))
  assert.ok(at('ip addr add 198.18.7.2/24 dev eth0') < at('ip addr add 198.18.7.3/24 dev eth0'), 'the primary first')
  assert.ok(at('ip addr add 2001:db8:7::2/64 dev eth0 nodad') > 0)
  assert.ok(at('ip route replace default via 198.18.7.1 dev eth0') > 0)
  assert.ok(at('ip -6 route replace default via 2001:db8:7::1 dev eth0') > 0)
})

test("the routes someone added on the links come back after their addresses, and the kernel's prefix routes are left to the kernel", () => {
  const net = { ...fresh, routes: [...fresh.routes, { dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0', metric: 50, protocol: 'static' }] }
  const s = snapshotOf(net, ['br0', 'eth0'])
  assert.equal(s.routes, [{ dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0', metric: 50 }])
  const lines = restoreScript(s, []).split('\n')
  assert.ok(lines.indexOf('ip route replace 198.51.100.0/24 via 198.19.3.254 dev eth0 metric 50') > lines.indexOf('ip addr add 198.19.3.2/24 dev eth0'), lines.join('\n'))
  assert.not.ok(lines.some((l) => l.includes('198.19.3.0/24')))
  assert.match(describeSnapshot(s, []), '198.51.100.0/24 via 198.19.3.254 dev eth0')
})

test('the restore script deletes what the change created, then puts links, addresses, route and files back', () => {
  const script = restoreScript(snap, [
    { path: '/etc/sysconfig/network-scripts/ifcfg-br0' },
    { path: '/etc/sysconfig/network-scripts/ifcfg-eth0', content: "IPADDR=198.19.3.2\n# it's\n", mode: '0644', owner: 'root', group: 'root' },
  ])
  const lines = script.split('\n')
  assert.ok(lines.indexOf('ip link del br0 2>/dev/null') < lines.indexOf('ip link set eth0 nomaster 2>/dev/null'))
  assert.ok(lines.includes('ip addr add 198.19.3.2/24 dev eth0'))
  assert.ok(lines.includes('ip route replace default via 198.19.3.1 dev eth0'))
  assert.ok(lines.includes('rm -f -- /etc/sysconfig/network-scripts/ifcfg-br0'))
  assert.match(script, `printf '%s' ${Buffer.from("IPADDR=198.19.3.2\n# it's\n").toString('base64')} | base64 -d > /etc/sysconfig/network-scripts/.ifcfg-eth0.kvmplay-tmp`)
  assert.match(script, 'sync -d /etc/sysconfig/network-scripts/.ifcfg-eth0.kvmplay-tmp 2>/dev/null || :\nmv -f -- /etc/sysconfig/network-scripts/.ifcfg-eth0.kvmplay-tmp /etc/sysconfig/network-scripts/ifcfg-eth0')
  assert.ok(lines.includes('set +e'), 'a step already undone must not stop the rest')
})

const cutover = { apply: 'ip link add br0 type bridge', restore: 'ip link del br0', timeoutSec: 30, probes: [{ name: 'the bridge exists', command: 'ip link show br0' }], verify: { command: 'ip -br addr' } }

test('arming: a timer that needs no controller (systemd-run, else a detached sleep), the change detached too', () => {
  const s = armScript('abc', cutover)
  assert.match(s, 'systemd-run --quiet --unit=kvmplay-rollback-abc --on-active=30s')
  assert.match(s, `( sleep 30; exec /bin/sh "$0/fire.sh" ) & echo $! > "$0/timer"; `)
  assert.match(s, `setsid /bin/sh -c '( sleep 30; exec /bin/sh "$0/fire.sh" ) & echo $! > "$0/timer"; setsid /bin/sh "$0/apply.sh" > "$0/apply.log" 2>&1 & echo $! > "$0/apply.pid"; wait $!; echo $? > "$0/apply.rc"' "$d"`)
  assert.ok(s.indexOf(': > "$d/armed"') > 0 && s.indexOf(': > "$d/armed"') < s.indexOf('"$0/apply.sh"'), 'armed before the change starts')
  assert.not.match(probeScript('abc', cutover), 'decided', 'probing never confirms: only a controller that saw the probes pass does')
})

/** Runs the cutover scripts in a real dash, in a directory of ours instead of /run, without systemd. */
function onDash(id: string, dir: string, probes: Probe[] = [{ name: 'it holds', command: 'true' }], bootFiles: FileOriginal[] = [], apply = `echo applied > ${dir}/applied`) {
  const local = (script: string) => script.replaceAll(`/run/kvmplay/cutover-${id}`, dir).replace('[ -d /run/systemd/system ]', 'false')
  const run = (script: string) => execFileSync('dash', ['-c', local(script)], { encoding: 'utf8' })
  const arm = (timeoutSec: number) =>
    run(armScript(id, { ...cutover, timeoutSec, apply, restore: `echo restored > ${dir}/restored`, probes, verify: { command: 'echo before' }, bootFiles }))
  return { arm, confirm: () => run(confirmScript(id, { bootFiles })).trim() }
}
// 15 s at most: a loaded machine (CI's lab beside it) can be slow to run the host's scripts.
const until = async (what: () => boolean) => {
  for (let i = 0; i < 300 && !what(); i++) await sleep(50)
}
/** A status file the host's script has finished writing (`echo $rc > FILE` creates it before it writes). */
const written = (path: string) => existsSync(path) && readFileSync(path, 'utf8').endsWith('\n')

test('in dash: a confirmation disarms the rollback, and asked again still says confirmed; the timer never fires', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  const host = onDash('c1', dir)
  assert.match(host.arm(1), 'before\n@@PRE\n@@ARMING\narmed')
  await until(() => written(join(dir, 'apply.rc')))
  assert.is(readFileSync(join(dir, 'apply.rc'), 'utf8'), '0\n')
  assert.is(readFileSync(join(dir, 'applied'), 'utf8'), 'applied\n')
  assert.is(host.confirm(), 'confirmed')
  assert.is(host.confirm(), 'confirmed')
  await sleep(1500)
  assert.not.ok(existsSync(join(dir, 'restored')), 'no rollback after a confirmation')
  rmSync(dir, { recursive: true })
})

test('in dash: a precondition that does not hold stops the arming — nothing written, nothing started — and says why; one that cannot run counts as failed, unless optional', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  const probes: Probe[] = [
    { name: 'holds', command: 'true' },
    { name: 'the gateway answers', command: 'echo "no answer" >&2; exit 1' },
    { name: 'a tool here', command: 'no-such-tool-kvmplay' },
    { name: 'an optional tool', command: 'no-such-tool-kvmplay', optional: true },
    { name: 'only after', command: 'false', precondition: false },
  ]
  const out = onDash('p1', dir, probes).arm(30)
  const v = readVerdicts(out.split('@@PRE\n')[1])
  assert.is(v.failures.length, 2, out)
  assert.is(v.failures[0], '"the gateway answers" does not hold (exit 1): no answer')
  assert.match(v.failures[1], /^"a tool here" cannot run on the host: dash: \d+: no-such-tool-kvmplay: not found$/)
  assert.is(v.skipped.length, 1, out)
  assert.match(v.skipped[0], /^"an optional tool" cannot run on the host, skipped \(optional\): dash: \d+: no-such-tool-kvmplay: not found$/)
  assert.not.match(out, '@@ARMING')
  assert.not.ok(existsSync(join(dir, 'armed')) || existsSync(join(dir, 'apply.sh')), 'nothing armed')
  rmSync(dir, { recursive: true })
})

test('in dash: until confirmed, the files on disk are the previous ones (a reboot then boots as before); the confirmation puts the new ones in place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  const conf = mkdtempSync(join(tmpdir(), 'kvmplay-conf-'))
  // What the persist task wrote before the cutover: a changed file and a new one.
  writeFileSync(join(conf, 'eth0.conf'), 'new eth0\n')
  writeFileSync(join(conf, 'br0.conf'), 'new br0\n', { mode: 0o600 })
  const files: FileOriginal[] = [{ path: join(conf, 'eth0.conf'), content: "old eth0, it's\n" }, { path: join(conf, 'br0.conf') }]
  const host = onDash('b1', dir, undefined, files)
  host.arm(30)
  await until(() => written(join(dir, 'apply.rc')))
  assert.is(readFileSync(join(dir, 'apply.rc'), 'utf8'), '0\n')
  assert.is(readFileSync(join(dir, 'applied'), 'utf8'), 'applied\n', 'the change ran with the new files in place')
  assert.is(readFileSync(join(conf, 'eth0.conf'), 'utf8'), "old eth0, it's\n", 'the previous version is on disk')
  assert.not.ok(existsSync(join(conf, 'br0.conf')), 'a new file is not on disk yet')
  assert.is(host.confirm(), 'confirmed')
  assert.is(readFileSync(join(conf, 'eth0.conf'), 'utf8'), 'new eth0\n')
  assert.is(readFileSync(join(conf, 'br0.conf'), 'utf8'), 'new br0\n')
  assert.is(statSync(join(conf, 'br0.conf')).mode & 0o777, 0o600, 'its mode kept')
  assert.equal(readdirSync(conf).sort(), ['br0.conf', 'eth0.conf'], 'no temporary file left')
  rmSync(dir, { recursive: true })
  rmSync(conf, { recursive: true })
})

test('in dash: a host restarted before the confirmation (its /run emptied) keeps the previous files, and the confirmation says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  const conf = mkdtempSync(join(tmpdir(), 'kvmplay-conf-'))
  writeFileSync(join(conf, 'eth0.conf'), 'new eth0\n')
  const host = onDash('b2', dir, undefined, [{ path: join(conf, 'eth0.conf'), content: 'old eth0\n' }])
  host.arm(30)
  await until(() => written(join(dir, 'apply.rc')))
  rmSync(dir, { recursive: true })
  assert.is(host.confirm(), 'rebooted')
  assert.is(readFileSync(join(conf, 'eth0.conf'), 'utf8'), 'old eth0\n')
  assert.match(execFileSync('dash', ['-c', probeScript('b2', cutover).replaceAll('/run/kvmplay/cutover-b2', dir)], { encoding: 'utf8' }), /^F the host restarted before the confirmation/)
  rmSync(conf, { recursive: true })
})

test('in dash: unconfirmed, the host rolls back once by itself; a late confirmation is told too-late', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  const host = onDash('c2', dir)
  host.arm(1)
  await until(() => written(join(dir, 'restore.rc')))
  assert.is(readFileSync(join(dir, 'restored'), 'utf8'), 'restored\n')
  assert.is(readFileSync(join(dir, 'restore.rc'), 'utf8'), '0\n')
  assert.is(host.confirm(), 'too-late')
  // fire.sh run again (a second timer, a probe failure) does nothing.
  rmSync(join(dir, 'restored'))
  execFileSync('dash', [join(dir, 'fire.sh')])
  assert.not.ok(existsSync(join(dir, 'restored')), 'the rollback runs at most once')
  rmSync(dir, { recursive: true })
})

test('in dash: the rollback stops a change still running first — its later steps never undo the restore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  // A change that waits past the timer (for a lease, say), then would act again.
  const host = onDash('s1', dir, undefined, [], `sleep 3\necho acted > ${dir}/late`)
  host.arm(1)
  await until(() => written(join(dir, 'restore.rc')))
  assert.is(readFileSync(join(dir, 'restored'), 'utf8'), 'restored\n')
  await until(() => written(join(dir, 'apply.rc')))
  assert.is(readFileSync(join(dir, 'apply.rc'), 'utf8'), '143\n', 'the change was stopped (SIGTERM)')
  await sleep(2500)
  assert.not.ok(existsSync(join(dir, 'late')), 'the change did not go on after the rollback')
  rmSync(dir, { recursive: true })
})

test('in dash: a failed command of a change that says set -e ends it there, with its exit code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-cutover-'))
  const files: FileOriginal[] = [{ path: join(dir, 'never.conf') }]
  const host = onDash('e1', dir, undefined, files, `set -e\nfalse\necho went-on > ${dir}/went-on`)
  host.arm(30)
  await until(() => written(join(dir, 'apply.rc')))
  assert.is(readFileSync(join(dir, 'apply.rc'), 'utf8'), '1\n')
  assert.not.ok(existsSync(join(dir, 'went-on')), 'set -e holds inside apply.sh')
  execFileSync('dash', [join(dir, 'fire.sh')])
  rmSync(dir, { recursive: true })
})

test('the state a rollback is checked against: device and address of each global IPv4 address, sorted, and the default route', () => {
  const before = [
    '3: eth1    inet 198.19.9.2/24 brd 198.19.9.255 scope global eth1\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 198.19.3.2/24 brd 198.19.3.255 scope global eth0\\       valid_lft forever preferred_lft forever',
    'default via 198.19.3.1 dev eth0 ',
  ].join('\n')
  // The same state after a restore: other interface numbers and lifetimes, another order.
  const after = [
    '7: eth0    inet 198.19.3.2/24 scope global eth0\\       valid_lft 100sec preferred_lft 100sec',
    '3: eth1    inet 198.19.9.2/24 brd 198.19.9.255 scope global eth1\\       valid_lft forever preferred_lft forever',
    'default via 198.19.3.1 dev eth0 ',
  ].join('\n')
  assert.is(VERIFY.digest!(before), 'eth0 198.19.3.2/24\neth1 198.19.9.2/24\ndefault via 198.19.3.1 dev eth0')
  assert.is(VERIFY.digest!(after), VERIFY.digest!(before))
  assert.is.not(VERIFY.digest!(after.replace('198.19.3.2/24', '198.19.3.2/25')), VERIFY.digest!(before))
})

test.run()
