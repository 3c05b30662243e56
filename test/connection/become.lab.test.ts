/**
 * become on the lab: hosts whose port 22 is closed to root (`lab up --login`),
 * logged in to as users who escalate with sudo (password, NOPASSWD), doas or
 * su. The seed's migration by the real CLI, checked on the hosts over root's
 * own port; a second run changes nothing; the password, given by file or
 * typed at -K's prompt through a pseudo-terminal, is never in a process's
 * arguments or environment on a host, nor in kvmplay's output; and every
 * refusal is a clear error with nothing changed.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import { labPasswordFile } from '../../src/lab/logins.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labTest, onHost, useLab } from '../helpers/lab.ts'
import { FIXTURES, kvmplay, kvmplayAsync, recapOf } from '../helpers/cli.ts'
import { leaksDuring, runWithPrompt } from '../helpers/become.ts'
import { assertBridged, assertGuestsOnBridge, assertUnbridged } from '../network/bridge-lab.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const CUTOVER = join(FIXTURES, 'cutover.play.ts')
const s = suite('become on the lab')
const it = labTest(s)
let hosts: HostPlan[] = []
let inventory = ''
let passwordFile = ''
let password = ''
const byName = (n: string) => hosts.find((h) => h.name === n)!

/** What the migration touches, as one string: equal strings, untouched host. */
// Link states left out: a freshly booted host's virbr0 goes from DOWN to UP by itself.
const fingerprint = (h: HostPlan) => onHost(h, "ip -br addr | awk '{print $1, $3, $4}'; ip route | sed 's/ linkdown//'; virsh -q net-list --all; md5sum /etc/sysctl.conf; ls /etc/sysconfig/network-scripts; ls /run/kvmplay 2>&1; true")

s.before(async () => {
  if (!process.getuid || process.getuid() !== 0) return
  await labDown(TEST_LAB)
  const lab = await useLab(6, 'none', false, { login: 'sudo,sudo,sudo,sudo-nopasswd,doas,su' })
  hosts = lab.hosts
  inventory = lab.inventory
  passwordFile = labPasswordFile(TEST_LAB.dir)
  password = readFileSync(passwordFile, 'utf8').trim()
})
s.after(async () => {
  if (hosts.length) await labDown(TEST_LAB)
})

it('port 22 is closed to root: the inventory logs in as the login users', async () => {
  const root = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1', '-e', 'ansible_user=root', '-e', 'ansible_become=false', '--check'])
  assert.is(root.code, 3, root.out + root.err)
  assert.match(root.out, /h1 .*unreachable/i)
  assert.match(root.out, /authentication/i)
})

it('refusals are each a clear error naming the host, before anything changes', async () => {
  const before = await Promise.all(hosts.map(fingerprint))
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-become-'))
  const wrong = join(dir, 'wrong')
  writeFileSync(wrong, 'not-the-password\n')
  const reason = (args: string[], host = 'h1') => {
    const res = kvmplay(['run', MIGRATE, '-i', inventory, '-l', host, '--json', ...args])
    assert.is(res.code, 2, res.out + res.err)
    const failed = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'task' && e.status === 'failed')
    assert.is(failed.task, 'become')
    assert.is(failed.errorKind, 'become')
    assert.is(recapOf(res.out).hosts[host].changed, 0)
    return failed.reason as string
  }
  assert.match(reason([]), /^h1: sudo to root needs a password for kvsudo and none was given: pass -K \(--ask-become-pass\), --become-password-file FILE/)
  assert.match(reason(['--become-password-file', wrong]), /^h1: the become password was refused by sudo to root for kvsudo; kvmplay tried it once and stopped/)
  assert.match(reason(['--become-password-file', passwordFile, '-e', 'ansible_user=kvnosudo']), /^h1: kvnosudo may not run commands as root with sudo \(sudo said: kvnosudo is not in the sudoers file\.\): add a rule/)
  assert.match(reason(['--become-password-file', passwordFile, '-e', 'ansible_user=kvtty']), /^h1: sudoers requires a terminal for kvtty \(Defaults requiretty\).*'Defaults:kvtty !requiretty'/)
  assert.match(reason(['--become-password-file', wrong], 'h5'), /^h5: the become password was refused by doas to root for kvdoas/)
  assert.match(reason(['--become-password-file', wrong], 'h6'), /^h6: the become password was refused by su to root for kvsu/)
  // A wrong password is tried once: sudo logs one failed attempt, not three.
  assert.equal(await Promise.all(hosts.map(fingerprint)), before, 'nothing changed on any host')
})

it('the confirmed apply rolls back under sudo: the second login escalates too, and the host restores itself (h1, before its migration)', async () => {
  const h1 = byName('h1')
  const wrong = h1.address.replace(/\.\d+$/, '.99')
  const res = kvmplay(['run', CUTOVER, '-i', inventory, '-l', 'h1', '--become-password-file', passwordFile, '-e', 'confirm_timeout=8', '-e', `h1_br_address=${wrong}`, '-e', `h1_br_prefix=${h1.prefix}`, '--json'])
  assert.is(res.code, 2, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h1.rolled_back, 1, res.out)
  const rolled = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.status === 'rolled_back')
  assert.match(rolled.reason, /restored its previous state by itself \(restore exit 0\), verified/, rolled.reason)
  await assertUnbridged(h1)
})

it('sudo with --become-password-file: the migration converges; no password on the hosts or in -v output', async () => {
  const on = [byName('h1'), byName('h2')]
  const { result: res, leaks, samples } = await leaksDuring(on, password, () => kvmplayAsync(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--become-password-file', passwordFile, '-v']))
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, /h1 .*changed=6/)
  assert.equal(leaks, [], `the password was seen on a host:\n${leaks.join('\n')}`)
  assert.ok(samples >= 2, `sampled ${samples} times`)
  assert.not.ok((res.out + res.err).includes(password), 'not in the output')
  for (const h of on) {
    await assertBridged(h)
    await assertGuestsOnBridge(h)
  }
})

it('the second run changes nothing (--json carries no password either)', async () => {
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h1:h2', '--become-password-file', passwordFile, '--json', '-v'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of ['h1', 'h2']) assert.is(recapOf(res.out).hosts[h].changed, 0, res.out)
  assert.not.ok((res.out + res.err).includes(password))
})

it('-K asks once on the terminal, without echo, through a pseudo-terminal (script); the host converges', async () => {
  const h3 = byName('h3')
  const { code, out, asked } = await runWithPrompt(['run', MIGRATE, '-i', inventory, '-l', 'h3', '-K'], password)
  assert.is(code, 0, out)
  assert.is(asked, 1, 'asked once')
  assert.not.ok(out.includes(password), `the typed password was not echoed:\n${out}`)
  assert.match(out, /h3 .*changed=6/)
  await assertBridged(h3)
  await assertGuestsOnBridge(h3)
})

it('sudo NOPASSWD needs no password at all', async () => {
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h4', '--json'])
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h4.changed, 6)
  await assertBridged(byName('h4'))
  await assertGuestsOnBridge(byName('h4'))
})

it('doas (on a raw pseudo-terminal) and su converge, and a second run changes nothing', async () => {
  const on = [byName('h5'), byName('h6')]
  const { result: res, leaks } = await leaksDuring(on, password, () => kvmplayAsync(['run', MIGRATE, '-i', inventory, '-l', 'h5:h6', '--become-password-file', passwordFile, '--json']))
  assert.is(res.code, 0, res.out + res.err)
  assert.equal(leaks, [])
  for (const h of on) {
    assert.is(recapOf(res.out).hosts[h.name].changed, 6, res.out)
    await assertBridged(h)
    await assertGuestsOnBridge(h)
  }
  const again = kvmplay(['run', MIGRATE, '-i', inventory, '-l', 'h5:h6', '--become-password-file', passwordFile, '--json'])
  for (const h of on) assert.is(recapOf(again.out).hosts[h.name].changed, 0, again.out)
  // Each session behind a terminal kept its commands' stderr in a mktemp file: gone with the session (the terminal hung up).
  for (const h of on) assert.is((await onHost(h, 'ls /tmp | grep "^tmp\\." || true')).trim(), '', `${h.name}: no temp file left in /tmp`)
})

it("libvirt without become: a login in group libvirt defines a network over qemu:///system; one that is not gets one error saying what to change", async () => {
  const play = join(FIXTURES, 'libvirt-network.play.ts')
  const h2 = byName('h2')
  const denied = kvmplay(['run', play, '-i', inventory, '-l', 'h2', '-e', 'ansible_user=kvnosudo', '-e', 'ansible_become=false', '--json'])
  assert.is(denied.code, 2, denied.out + denied.err)
  const failed = denied.out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'task')
  assert.is(failed.length, 1, 'one error, no task run')
  assert.is(failed[0].task, 'libvirt access')
  assert.match(failed[0].reason, /^h2: kvnosudo cannot use libvirt's qemu:\/\/\/system \(.*\): add kvnosudo to group libvirt on the host \(usermod -aG libvirt kvnosudo\), or run as root with become/, failed[0].reason)
  assert.not.match(await onHost(h2, 'virsh -q net-list --all --name'), /kvtest/)

  const res = kvmplay(['run', play, '-i', inventory, '-l', 'h2', '-e', 'ansible_user=kvvirt', '-e', 'ansible_become=false', '--json'])
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h2.changed, 1, res.out)
  assert.match(await onHost(h2, 'virsh -q net-list --all'), /^\s*kvtest\s+active\s+yes/m)
  const again = kvmplay(['run', play, '-i', inventory, '-l', 'h2', '-e', 'ansible_user=kvvirt', '-e', 'ansible_become=false', '--json'])
  assert.is(recapOf(again.out).hosts.h2.changed, 0, again.out)
})

s.run()
