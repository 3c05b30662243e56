/**
 * The NetworkManager backend on lab hosts where NetworkManager keeps the
 * uplink (profile networkmanager): the fleet migration by the real CLI, read
 * back on the hosts over SSH; again (nothing to do); after a power cycle
 * (NetworkManager brings br0 up from its keyfiles alone); and the faults — a
 * wrong address rolled back through the checkpoint, kvmplay killed after
 * arming — leaving each host as it was, its profiles and keyfiles included.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labTest, onHost, useLab } from '../helpers/lab.ts'
/** The test lab's network (198.19 unless KVMPLAY_TEST_LAB_NET says otherwise). */
const NET = TEST_LAB.net
import { BIN, FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'

const nm = suite('networkmanager backend')
const it = labTest(nm)
const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const CUTOVER = join(FIXTURES, 'cutover-nm.play.ts')
const KEYFILES = '/etc/NetworkManager/system-connections'
let hosts: HostPlan[]
let inventory: string
const figures: string[] = []

const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l))
const labArgs = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]

/**
 * What a cutover changes and a rollback restores: addresses, default route,
 * bridges, NM's active profiles, the keyfiles (name, mode, owner, content).
 * The file task's backups are in kvmplay's own tree (/var/lib/kvmplay/backups), not beside them.
 */
const netState = (h: HostPlan) =>
  onHost(
    h,
    `ip -4 -o addr show scope global | awk '{print $2, $4}' | sort; ip route show default; ip -br link show type bridge | awk '{print $1}' | sort; ` +
      `nmcli -t -f NAME,DEVICE connection show --active | sort; cd ${KEYFILES} && for f in *.nmconnection; do stat -c '%n %a %U' "$f"; md5sum < "$f"; done`,
  )

/** The bridged host as NetworkManager keeps it, read on the host. */
async function assertBridged(h: HostPlan) {
  assert.match(await onHost(h, 'ip -4 -o addr show dev br0'), ` ${h.address}/${h.prefix} `, `${h.name}: br0 carries the address`)
  assert.not.match(await onHost(h, 'ip -4 -o addr show dev eth0'), h.address, `${h.name}: eth0 has no address of its own`)
  assert.match(await onHost(h, 'ip -o link show eth0'), / master br0 /, `${h.name}: eth0 is br0's port`)
  assert.match(await onHost(h, 'ip route show default'), new RegExp(`^default via ${h.gateway.replace(/\./g, '\\.')} dev br0 `, 'm'))
  const active = await onHost(h, 'nmcli -t -f NAME,DEVICE connection show --active')
  assert.match(active, /^br0:br0$/m, active)
  assert.match(active, /^br0-port-eth0:eth0$/m, active)
  assert.is((await onHost(h, `stat -c '%n %a %U' ${KEYFILES}/br0.nmconnection ${KEYFILES}/eth0.nmconnection`)).trim(), `${KEYFILES}/br0.nmconnection 600 root\n${KEYFILES}/eth0.nmconnection 600 root`)
  assert.match(await onHost(h, 'virsh -q net-list'), /^\s*br0\s+active\s+yes/m, `${h.name}: libvirt's br0 network is active`)
  assert.match(await onHost(h, 'virsh -q domiflist vm1'), /\sbridge\s+br0\s/, `${h.name}: vm1's NIC is on br0`)
  assert.match(await onHost(h, 'virsh -q domiflist vm2'), /\sbridge\s+br0\s/, `${h.name}: vm2's NIC is on br0`)
}

nm.before(async () => {
  if (process.getuid?.() !== 0) return
  await labDown(TEST_LAB)
  const lab = await useLab(3, 'networkmanager')
  hosts = lab.hosts
  inventory = lab.inventory
})

nm.after(async () => {
  if (process.getuid?.() === 0) await labDown(TEST_LAB)
  if (figures.length) console.log(`\n${figures.join('\n')}`)
})

it('the fleet migration on NetworkManager hosts: br0 from keyfiles, eth0 its port, guests on br0; again: changed=0', async () => {
  const [h1, h2] = hosts
  const started = Date.now()
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--json'])
  const seconds = (Date.now() - started) / 1000
  assert.is(res.code, 0, res.out + res.err)
  const apply = events(res.out).filter((e) => e.type === 'task' && /^apply bridge/.test(e.task))
  assert.equal(apply.map((e) => e.status), ['changed', 'changed'], res.out)
  const persisted = events(res.out).filter((e) => e.type === 'task' && /^persist bridge/.test(e.task))
  assert.ok(persisted.every((e) => e.status === 'changed'))
  figures.push(`migration of 2 NetworkManager hosts: ${seconds.toFixed(1)} s`)
  for (const e of apply) figures.push(`  ${e.host}: applyBridge (checkpoint, reload, up, reach again, probe, confirm) ${(e.durationMs / 1000).toFixed(1)} s`)
  for (const h of [h1, h2]) await assertBridged(h)
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--json'])
  assert.is(again.code, 0, again.out + again.err)
  const recap = recapOf(again.out)
  assert.equal([recap.hosts.h1.changed, recap.hosts.h2.changed], [0, 0], again.out)
})

it('after a power cycle NetworkManager brings br0 up from its keyfiles alone; the migration still has nothing to do', async () => {
  const [h1, h2] = hosts
  const started = Date.now()
  const res = kvmplay(['lab', 'reboot', 'h1', 'h2', ...labArgs])
  assert.is(res.code, 0, res.out + res.err)
  figures.push(`lab reboot of 2 bridged NetworkManager hosts: ${((Date.now() - started) / 1000).toFixed(1)} s (${res.out.trim().replace(/\n/g, '; ')})`)
  for (const h of [h1, h2]) await assertBridged(h)
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--json'])
  assert.is(again.code, 0, again.out + again.err)
  const recap = recapOf(again.out)
  assert.equal([recap.hosts.h1.changed, recap.hosts.h2.changed], [0, 0], again.out)
})

/** Each fault test starts without an earlier cutover's directory, so `cutover-*` is its own. */
const freshCutovers = (h: HostPlan) => onHost(h, 'rm -rf /run/kvmplay')

it("a wrong address rolls back through NetworkManager's checkpoint: eth0's own profile active again, the keyfiles as before", async () => {
  const h3 = hosts[2]
  await freshCutovers(h3)
  const before = await netState(h3)
  assert.match(before, /^eth0:eth0$/m)
  const timeout = 10
  const started = Date.now()
  const res = kvmplay(['run', CUTOVER, '-i', inventory, '-l', 'h3', '--json', '-e', `confirm_timeout=${timeout} h3_br_address=${NET}.3.99 h3_br_prefix=24`])
  const seconds = (Date.now() - started) / 1000
  assert.is(res.code, 2, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h3.rolled_back, 1, res.out)
  const why = events(res.out).find((e) => e.status === 'rolled_back')?.reason ?? ''
  assert.match(why, /restored its previous state by itself \(restore exit 0\), verified/, why)
  figures.push(`wrong address on a NetworkManager host, confirmTimeout ${timeout}: rolled back and verified, verdict after ${seconds.toFixed(1)} s`)
  const log = await onHost(h3, 'cat /run/kvmplay/cutover-*/restore.log; cat /run/kvmplay/cutover-*/nm-checkpoint')
  assert.is(await netState(h3), before, log)
  assert.match(await onHost(h3, `cat ${KEYFILES}/eth0.nmconnection`), /^id=eth0$/m)
  assert.is((await onHost(h3, `test -e ${KEYFILES}/br0.nmconnection && echo present || echo absent`)).trim(), 'absent')
  assert.is((await onHost(h3, 'busctl get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager org.freedesktop.NetworkManager Checkpoints')).trim(), 'ao 0', 'no checkpoint left behind')
})

it('kvmplay killed after arming: NetworkManager and the host roll back by themselves, without fighting', async () => {
  const h3 = hosts[2]
  await freshCutovers(h3)
  const before = await netState(h3)
  const timeout = 15
  // A slow probe holds the confirmation back: the window to kill kvmplay in.
  const child = spawn(process.execPath, [BIN, 'run', CUTOVER, '-i', inventory, '-l', 'h3', '-e', `confirm_timeout=${timeout} probe_delay=8`], { stdio: 'ignore' })
  for (let i = 0; i < 200; i++) {
    if ((await onHost(h3, 'ls /run/kvmplay/cutover-*/armed 2>/dev/null | wc -l')).trim() === '1') break
    await sleep(100)
  }
  child.kill('SIGKILL')
  await new Promise((r) => child.on('exit', r))
  const armedAt = Date.now()
  // The change goes on without kvmplay: br0 comes up under the checkpoint.
  for (let i = 0; i < 100 && (await onHost(h3, 'cat /run/kvmplay/cutover-*/apply.rc 2>/dev/null || true')).trim() === ''; i++) await sleep(100)
  assert.is((await onHost(h3, 'cat /run/kvmplay/cutover-*/apply.rc')).trim(), '0', 'the change completed though its session died')
  assert.match(await onHost(h3, 'nmcli -t -f NAME,DEVICE connection show --active'), /^br0:br0$/m)
  assert.match(await onHost(h3, 'busctl get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager org.freedesktop.NetworkManager Checkpoints'), /^ao 1 /, 'the checkpoint is pending')
  // Past the host's timer and NetworkManager's own (10 s later).
  await sleep(Math.max(0, armedAt + (timeout + 12) * 1000 - Date.now()))
  const traces = await onHost(h3, 'for d in /run/kvmplay/cutover-*; do echo "$d: $(ls $d | tr "\\n" " ")"; cat $d/restore.log 2>/dev/null; done')
  assert.is(await netState(h3), before, traces)
  assert.is((await onHost(h3, 'cat /run/kvmplay/cutover-*/restore.rc')).trim(), '0', traces)
  assert.is((await onHost(h3, 'busctl get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager org.freedesktop.NetworkManager Checkpoints')).trim(), 'ao 0')
  // NetworkManager's own timer came second and found nothing to roll back: it logged no second rollback.
  const rollbacks = (await onHost(h3, "grep -c 'checkpoint.*rollback' /var/log/NetworkManager.log || true")).trim()
  figures.push(`controller killed on a NetworkManager host (confirmTimeout ${timeout}): restored by the host's timer; NM log lines about rollback: ${rollbacks}`)
})

it('a change NetworkManager refuses reports at once, not after the confirm timeout: rolled back through the checkpoint, verified', async () => {
  const h3 = hosts[2]
  await freshCutovers(h3)
  // A real host's configuration NetworkManager honours and kvmplay does not foresee: br0 may not be managed.
  const conf = '/etc/NetworkManager/conf.d/90-unmanaged-br0.conf'
  await onHost(h3, `printf '[keyfile]\\nunmanaged-devices=interface-name:br0\\n' > ${conf}`)
  assert.is(kvmplay(['lab', 'reboot', 'h3', ...labArgs]).code, 0)
  const before = await netState(h3)
  const timeout = 60
  const started = Date.now()
  const res = kvmplay(['run', CUTOVER, '-i', inventory, '-l', 'h3', '--json', '-e', `confirm_timeout=${timeout}`])
  const seconds = (Date.now() - started) / 1000
  assert.is(res.code, 2, res.out + res.err)
  const why = events(res.out).find((e) => e.status === 'rolled_back')?.reason ?? ''
  assert.match(why, /the change failed \(exit 1\): Error: Connection activation failed: .*unmanaged.* restored its previous state by itself \(restore exit 0\), verified/, why)
  // The host's timer would fire after 60 s; the verdict came from kvmplay firing the rollback at once.
  assert.ok(seconds < timeout, `verdict after ${seconds} s, not before the ${timeout} s timer`)
  figures.push(`a change NetworkManager refuses (br0 unmanaged), confirmTimeout ${timeout}: rolled back and verified, verdict after ${seconds.toFixed(1)} s`)
  await onHost(h3, `rm -f ${conf}`)
  assert.is(await netState(h3), before)
  assert.is((await onHost(h3, 'ip link show br0 >/dev/null 2>&1 && echo present || echo absent')).trim(), 'absent')
  assert.is(kvmplay(['lab', 'reboot', 'h3', ...labArgs]).code, 0)
})

nm.run()
