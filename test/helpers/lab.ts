/**
 * The lab the integration tests run against: its own name, directory and
 * network (198.19.0.0/16), so a developer's lab on 198.18 is left alone.
 */
import { $ } from 'zx'
import type { Test } from 'uvu'
import { labDown, labUp } from '../../src/lab/lab.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { resolveLab, labPaths } from '../../src/lab/state.ts'
import { hostPlan } from '../../src/lab/addressing.ts'
import { notRoot, skipIf } from './skip.ts'
import type { TestFn } from './skip.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

$.quiet = true

// KVMPLAY_TEST_LAB_NAME/NET/DIR let a second run of the lab tests go on beside this one (another name, 198.18): CI uses the defaults.
const TEST_NAME = process.env.KVMPLAY_TEST_LAB_NAME ?? 'test'
export const TEST_LAB = {
  name: TEST_NAME,
  net: process.env.KVMPLAY_TEST_LAB_NET ?? '198.19',
  dir: process.env.KVMPLAY_TEST_LAB_DIR ?? `/tmp/kvmplay-${TEST_NAME}`,
}

export const testLab = () => resolveLab(TEST_LAB)

/**
 * Brings the test lab to `count` healthy hosts (keeping the ones that are), of `profile` (a list: round-robin) if given, with DHCP uplinks if `dhcp`,
 * behind `jump` jump hosts, logged in to as `login` says, with the guests' stand-ins `guests` names, vm1 running unless `runningGuests` is false
 * (0, root, none and running unless asked: a suite never inherits another's bastions, logins or guests).
 */
export async function useLab(count: number, profile?: string, dhcp?: boolean, opts: { jump?: number; login?: string; guests?: string; runningGuests?: boolean } = {}) {
  const res = await labUp(count, { ...TEST_LAB, profile, dhcp, jump: opts.jump ?? 0, login: opts.login ?? 'root', guests: opts.guests ?? 'none', runningGuests: opts.runningGuests ?? true })
  const hosts = Array.from({ length: count }, (_, i) => hostPlan(res.lab, i + 1))
  return { ...res, hosts }
}

/** Runs a command on a lab host with the system ssh client, strict host-key checking on. */
export async function onHost(host: HostPlan, command: string): Promise<string> {
  const { sshConfig } = labPaths(testLab().dir)
  // No stdin (a command that reads it — `cat` given no file — fails at once instead of waiting), and a deadline: a test never hangs.
  const out = await $({ timeout: ON_HOST_TIMEOUT })`ssh -n -F ${sshConfig} ${host.name} ${command}`
  return out.stdout
}

/** onHost with ssh's exit status instead of a throw: `dpkg -s` of a package that is not there fails, which is the point. */
export async function onHostStatus(host: HostPlan, command: string): Promise<{ code: number; out: string }> {
  try {
    return { code: 0, out: await onHost(host, command) }
  } catch (err) {
    const e = err as { exitCode?: number; stdout?: string; stderr?: string }
    return { code: e.exitCode ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }
  }
}

/** How long a check on a lab host may take: the slowest reads a whole libvirt state or a reboot's aftermath. */
const ON_HOST_TIMEOUT = '60s'

/** Why the lab tests cannot run here, or undefined where they can: the lab needs root (namespaces, veth pairs, mounts). */
export const labSkipReason = notRoot('the lab needs root for its namespaces, veth pairs and mounts')

/**
 * The suite's test function where the lab can run; elsewhere each test is
 * skipped (uvu's skip) with the reason in its name, so the run says why.
 *
 * @example
 * ```ts
 * const it = labTest(suite('custom task'))
 * it('converges', async () => { ... })
 * ```
 */
export function labTest(s: Test): TestFn {
  return skipIf(s, labSkipReason)
}

/**
 * A suite on a fresh fleet of one host per profile, in order (brought down
 * before and after): its test function, skipped with the reason where the
 * lab cannot run here or a profile's packages are missing, and the fleet,
 * filled in once the suite's before hook has run.
 */
export function fleetSuite(s: Test, profiles: LabProfile[]) {
  const missing = labSkipReason ? [] : missingPackages(undefined, profiles)
  const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
  const it = skipIf(s, skip)
  const fleet = { hosts: [] as HostPlan[], inventory: '', sshConfig: '' }
  if (!skip) {
    s.before(async () => {
      await labDown(TEST_LAB)
      const lab = await useLab(profiles.length, profiles.join(','))
      Object.assign(fleet, { hosts: lab.hosts, inventory: lab.inventory, sshConfig: labPaths(TEST_LAB.dir).sshConfig })
    })
    s.after(async () => void (await labDown(TEST_LAB)))
  }
  return { it, fleet }
}
