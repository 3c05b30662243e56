/**
 * The fast part of the stress and fault suite (bench/stress.ts runs the long
 * one): on one host of each network system, the migration with each fault
 * given to one host on the way — sshd stopped or frozen, SSH dropped or
 * stalled by the host's firewall, libvirtd killed. Every run ends by itself
 * well before its watchdog, its recap names every host, and every host ends
 * consistent, read on the host: it boots as it runs, no guest points at a
 * bridge or network that is not there, no cutover is left undecided. Then a
 * run without a fault converges the fleet. And SIGTERM in the middle of a
 * run ends it within seconds, with a recap that says where each host was.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import type { HostPlan } from '../../src/lab/addressing.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { FAULTS } from '../../src/lab/faults.ts'
import { inconsistencies, readEndState, runWithFault, settle } from '../../src/lab/fault-run.ts'
import { phase } from '../../src/lab/end-state.ts'
import { fleetSuite } from '../helpers/lab.ts'
import { BIN } from '../helpers/cli.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const WAY_BACK = fileURLToPath(new URL('../../playbooks/migrate-bridge-to-nat.play.ts', import.meta.url))
const PROFILES: LabProfile[] = ['networkmanager', 'ifupdown-cloud', 'netplan-installer', 'network-scripts', 'ifupdown-installer', 'netplan-cloud', 'ifupdown2']
const CONFIRM = 10

const s = suite('stress: faults on the way')
const { it, fleet } = fleetSuite(s, PROFILES)
const profileOf = (h: HostPlan) => PROFILES[fleet.hosts.indexOf(h) % PROFILES.length]

const run = (play: string) => ['run', play, '-i', fleet.inventory, '-e', `confirm_timeout=${CONFIRM}`]

for (const [i, fault] of FAULTS.entries()) {
  it(`${fault} on one host during the migration: the run ends, names every host, and leaves each consistent`, async () => {
    // The fault on a different host each time, about when the cutovers run.
    const target = fleet.hosts[i % fleet.hosts.length]
    const r = await runWithFault({ args: run(i % 2 ? WAY_BACK : MIGRATE), fault, targets: [target], delayMs: 1200, watchdogMs: 150_000 })
    assert.ok(r.ended, `the run ended by itself (it was killed after ${(r.wallMs / 1000).toFixed(0)} s)`)
    for (const h of fleet.hosts) assert.ok(r.recap?.[h.name], `the recap names ${h.name}: ${r.stderr}`)
    const states = await settle(fleet.sshConfig, fleet.hosts, profileOf, fault, [target], (CONFIRM + 40) * 1000)
    for (const st of states) assert.equal(inconsistencies(st), [], `${st.host} (${phase(st)}, ${r.outcome[st.host]})`)
  })
}

it('a run without a fault then converges every host, whatever the faults left', async () => {
  for (const play of [MIGRATE, WAY_BACK, MIGRATE]) {
    const r = await runWithFault({ args: run(play), targets: [], delayMs: 0, watchdogMs: 150_000 })
    assert.is(r.code, 0, `${play}: ${r.ended ? 'ended' : 'killed by the watchdog'} after ${(r.wallMs / 1000).toFixed(0)} s: ${JSON.stringify(r.outcome)} ${r.stderr}`)
  }
  for (const h of fleet.hosts) assert.is(phase(readEndState(fleet.sshConfig, h, profileOf(h))), 'migrated', h.name)
})

it('SIGTERM in the middle of a run ends it within seconds; the recap names each host cut short and what it did not run', async () => {
  const child = spawn(process.execPath, [BIN, ...run(WAY_BACK), '--json', '-e', JSON.stringify({ probes: ['sleep 30'] })], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const closed = new Promise((r) => child.on('close', r))
  await new Promise((r) => setTimeout(r, 2500))
  const signalled = Date.now()
  child.kill('SIGTERM')
  const code = await closed
  const took = Date.now() - signalled
  assert.is(code, 99)
  assert.ok(took < 15_000, `ended ${took} ms after SIGTERM`)
  const recap = JSON.parse(out.trim().split('\n').pop()!)
  assert.is(recap.type, 'recap')
  for (const h of fleet.hosts) {
    assert.ok(recap.hosts[h.name] || recap.untouched.includes(h.name), `${h.name} in the recap`)
    assert.ok(recap.interrupted?.[h.name], `${h.name} named as cut short: ${JSON.stringify(recap.interrupted)}`)
  }
  // Every host is left consistent: a cutover abandoned mid-probe rolls back by itself.
  const states = await settle(fleet.sshConfig, fleet.hosts, profileOf, undefined, [], (CONFIRM + 40) * 1000)
  for (const st of states) assert.equal(inconsistencies(st), [], `${st.host} (${phase(st)})`)
})

s.run()
