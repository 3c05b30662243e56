/**
 * The fleet as it usually is: hosts behind a bastion where root may not log
 * in, reached as a sudo user, everything about the way there in one
 * ssh_config file (the inventory names the hosts and nothing else). The
 * seed's migration by the real CLI with -b: the password typed once at -K's
 * prompt on a pseudo-terminal for both hosts, then given by file; the end
 * state read on the hosts (over root's own port); a second run changes
 * nothing, also through a chain of two bastions; and the password is never in
 * a host's process arguments or environment, nor in kvmplay's output.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { labDown } from '../../src/lab/lab.ts'
import { labPasswordFile } from '../../src/lab/logins.ts'
import { hostPaths } from '../../src/lab/state.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, labTest, testLab, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { leaksDuring, runWithPrompt } from '../helpers/become.ts'
import { assertBridged, assertGuestsOnBridge } from '../network/bridge-lab.ts'

const bj = suite('become through jump hosts')
const it = labTest(bj)
const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'kvmplay-become-jump-'))
let hosts: HostPlan[] = []
let password = ''
let passwordFile = ''
const inventory = join(dir, 'inventory.yaml')
const sshConfig = join(dir, 'ssh_config')

/** The user's own ssh_config: the login user on port 22 first (first match wins), then the lab's (address, ProxyJump, key). */
const writeSshConfig = (labConfig: string) => writeFileSync(sshConfig, `Host h1 h2\n  User kvsudo\n  Port 22\n\nHost *\nInclude ${labConfig}\n`)
const bastionLogins = () => readFileSync(join(hostPaths(testLab().dir, 'j1').upper, 'var/log/sshd.log'), 'utf8').split('\n').filter((l) => l.includes('Accepted publickey for root')).length

if (!labSkipReason) {
  bj.before(async () => {
    await labDown(TEST_LAB)
    const lab = await useLab(2, undefined, undefined, { jump: 1, login: 'sudo' })
    hosts = lab.hosts
    passwordFile = labPasswordFile(TEST_LAB.dir)
    password = readFileSync(passwordFile, 'utf8').trim()
    // The lab's hosts keep their network in no system: the inventory says ifcfg, as the lab's own does.
    writeFileSync(inventory, 'hypervisors:\n  vars:\n    network_backend: ifcfg\n  hosts:\n    h1:\n    h2:\n')
    writeSshConfig(lab.sshConfig)
  })
  bj.after(async () => {
    // The next suite gets a lab without bastions or login users.
    await labDown(TEST_LAB)
    rmSync(dir, { recursive: true, force: true })
  })
}

it('-b -K through a jump host, from an ssh_config alone: asked once for both hosts, both migrated, no password on the hosts or in the output', async () => {
  const { result, leaks, samples } = await leaksDuring(hosts, password, () => runWithPrompt(['run', MIGRATE, '-i', inventory, '-F', sshConfig, '-b', '-K'], password))
  assert.is(result.code, 0, result.out)
  assert.is(result.asked, 1, 'one prompt for the whole run')
  for (const h of ['h1', 'h2']) assert.match(result.out, new RegExp(`${h} .*changed=6`))
  assert.not.ok(result.out.includes(password), `the password is not in the output:\n${result.out}`)
  assert.equal(leaks, [], `the password was seen on a host:\n${leaks.join('\n')}`)
  assert.ok(samples >= 2, `sampled ${samples} times`)
  for (const h of hosts) {
    await assertBridged(h)
    await assertGuestsOnBridge(h)
  }
})

it('the second run with --become-password-file changes nothing, over one connection to the bastion; --json -v carries no password', async () => {
  const before = bastionLogins()
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-F', sshConfig, '-b', '--become-password-file', passwordFile, '--json', '-v'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of ['h1', 'h2']) assert.is(recapOf(res.out).hosts[h].changed, 0, res.out)
  assert.is(bastionLogins() - before, 1, 'both hosts over one connection to j1')
  assert.not.ok((res.out + res.err).includes(password))
})

it('through a chain of two jump hosts, as the sudo user: the hosts (rebuilt behind the new chain) migrate, and a second run changes nothing', async () => {
  const lab = await useLab(2, undefined, undefined, { jump: 2, login: 'sudo' })
  assert.match(readFileSync(lab.sshConfig, 'utf8'), `Host j2\n  HostName ${TEST_LAB.net}.0.6\n  ProxyJump j1\n`)
  writeSshConfig(lab.sshConfig)
  const run = () => kvmplay(['run', MIGRATE, '-i', inventory, '-F', sshConfig, '-b', '--become-password-file', passwordFile, '--json'])
  const first = run()
  assert.is(first.code, 0, first.out + first.err)
  for (const h of lab.hosts) {
    assert.is(recapOf(first.out).hosts[h.name].changed, 6, first.out)
    await assertBridged(h)
    await assertGuestsOnBridge(h)
  }
  const again = run()
  for (const h of ['h1', 'h2']) assert.is(recapOf(again.out).hosts[h].changed, 0, again.out)
  assert.not.ok((first.out + first.err + again.out + again.err).includes(password))
})

bj.run()
