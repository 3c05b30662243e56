/**
 * A power cycle between the change and its confirmation, on each kind of host
 * with a network system that reads its files at boot (NetworkManager,
 * ifupdown, netplan): the rollback and its timer in /run are gone with the
 * reboot, and the host must come back as it was — because until the
 * confirmation its previous files are what is on disk. Checked on the hosts:
 * the address on eth0, no br0, the persisted files as before the run —
 * also when kvmplay itself was killed first, so nothing but the host's own
 * files can bring it back.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { labDown } from '../../src/lab/lab.ts'
import { TEST_LAB, labTest, onHost, useLab } from '../helpers/lab.ts'
import { BIN, FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const reboot = suite('reboot before the confirmation')
const it = labTest(reboot)
const CUTOVER = join(FIXTURES, 'cutover.play.ts')
const PROFILES = ['networkmanager', 'ifupdown', 'netplan']
let hosts: HostPlan[]
let inventory: string
const labArgs = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
const events = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))

/** The host's network and the files each network system reads at boot. */
const bootState = (h: HostPlan) =>
  onHost(
    h,
    "ip -4 -o addr show scope global | awk '{print $2, $4}' | sort; ip route show default | awk '{print $1, $2, $3, $4, $5}'; ip -br link show type bridge | awk '{print $1}' | sort; " +
      'for f in /etc/NetworkManager/system-connections/*.nmconnection /etc/netplan/*.yaml /etc/network/interfaces /etc/network/interfaces.d/*; do [ -e "$f" ] && echo "$f $(md5sum < "$f")"; done; true',
  )

reboot.before(async () => {
  if (process.getuid?.() !== 0) return
  await labDown(TEST_LAB)
  const lab = await useLab(3, PROFILES.join(','))
  hosts = lab.hosts
  inventory = lab.inventory
})

reboot.after(async () => {
  if (process.getuid?.() === 0) await labDown(TEST_LAB)
})

/** Starts the cutover with a slow probe (after the change only), which holds the confirmation back: the window to power-cycle in. Resolves once the change is live, unconfirmed, on every host. */
async function inTheWindow(): Promise<{ child: ReturnType<typeof spawn>; exited: Promise<number | null>; out: () => string }> {
  const child = spawn(process.execPath, [BIN, 'run', CUTOVER, '-i', inventory, '--json', '-e', 'confirm_timeout=90 probe_delay=20'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((r) => child.on('exit', r))
  for (const h of hosts) {
    for (let i = 0; i < 300 && (await onHost(h, 'cat /run/kvmplay/cutover-*/apply.rc 2>/dev/null || true')).trim() !== '0'; i++) await sleep(100)
    assert.is((await onHost(h, 'cat /run/kvmplay/cutover-*/apply.rc')).trim(), '0', `${h.name}: the change is live`)
    assert.match(await onHost(h, 'ip -br link show type bridge'), /^br0 /m, `${h.name}: br0 is up, unconfirmed`)
  }
  return { child, exited, out: () => out }
}

it('the controller killed in the window, then a power cycle: with nobody left to roll back, every host boots from its previous files', async () => {
  const before = await Promise.all(hosts.map(bootState))
  const { child, exited } = await inTheWindow()
  child.kill('SIGKILL')
  await exited
  const power = kvmplay(['lab', 'reboot', '--all', ...labArgs])
  assert.is(power.code, 0, power.out + power.err)
  for (const [i, h] of hosts.entries()) assert.is(await bootState(h), before[i], `${h.name} (${PROFILES[i]}) is as it was before the run`)
})

it('power-cycled after the change, before the confirmation: every host boots from its previous files; then the migration goes through', async () => {
  const before = await Promise.all(hosts.map(bootState))
  const { exited, out: output } = await inTheWindow()
  const power = kvmplay(['lab', 'reboot', '--all', ...labArgs])
  assert.is(power.code, 0, power.out + power.err)
  const code = await exited
  const out = output()
  assert.is(code, 2, out)
  const why = Object.fromEntries(events(out).filter((e) => e.type === 'task' && /^apply bridge/.test(e.task)).map((e) => [e.host, `${e.status}: ${e.reason}`]))
  for (const [i, h] of hosts.entries()) {
    assert.match(why[h.name], /^rolled_back: .*rolled back — the host restarted before the confirmation.*\. The host came back from its previous configuration files, verified$/, `${h.name} (${PROFILES[i]}): ${why[h.name]}`)
    assert.is(await bootState(h), before[i], `${h.name} (${PROFILES[i]}) is as it was before the run`)
  }
  // Nothing was lost on the way: the same migration, not interrupted, is confirmed and survives the next power cycle.
  const go = kvmplay(['run', CUTOVER, '-i', inventory, '--json', '-e', 'confirm_timeout=30'])
  assert.is(go.code, 0, go.out + go.err)
  assert.is(kvmplay(['lab', 'reboot', '--all', ...labArgs]).code, 0)
  for (const h of hosts) assert.match(await onHost(h, 'ip -4 -o addr show dev br0'), ` ${h.address}/${h.prefix} `, `${h.name}: bridged after the reboot`)
  const again = recapOf(kvmplay(['run', CUTOVER, '-i', inventory, '--json', '-e', 'confirm_timeout=30']).out)
  assert.equal(hosts.map((h) => again.hosts[h.name].changed), [0, 0, 0])
})

reboot.run()
