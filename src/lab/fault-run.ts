/**
 * One kvmplay run on the lab with a fault given to some hosts on the way
 * (faults.ts), watched: it must end by itself before the watchdog, and its
 * recap must name every host. Then the faults are repaired, the hosts'
 * own rollbacks are waited for, and each host's end state is read on the
 * host (end-state.ts). Shared by bench/stress.ts and its lab test.
 */
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { HostPlan } from './addressing.ts'
import { inject, repair } from './faults.ts'
import type { Fault } from './faults.ts'
import { endStateScript, inconsistencies, parseEndState } from './end-state.ts'
import type { HostEndState } from './end-state.ts'
import type { LabProfile } from './profiles.ts'

const BIN = fileURLToPath(new URL('../../bin/kvmplay.mjs', import.meta.url))

export interface FaultRun {
  /** kvmplay's argv after `kvmplay` (run PLAY -i INVENTORY …); --json is added. */
  args: string[]
  fault?: Fault
  /** The hosts given the fault, and when after the run's start. */
  targets: HostPlan[]
  delayMs: number
  watchdogMs: number
}

export interface FaultRunResult {
  /** False: the watchdog had to kill it. */
  ended: boolean
  code: number | null
  wallMs: number
  /** The recap's hosts (undefined when there was no recap). */
  recap?: Record<string, Record<string, number>>
  interrupted?: Record<string, unknown>
  /** Each host's last task result or unreachability, for the report. */
  outcome: Record<string, string>
  stderr: string
}

/** Runs kvmplay with the fault given on the way; never waits longer than the watchdog. */
export async function runWithFault(r: FaultRun): Promise<FaultRunResult> {
  const started = performance.now()
  const child = spawn(process.execPath, [BIN, ...r.args, '--json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  let ended = true
  const watchdog = setTimeout(() => {
    ended = false
    child.kill('SIGKILL')
  }, r.watchdogMs)
  const faulted = r.fault ? new Promise((res) => setTimeout(res, r.delayMs)).then(() => Promise.all(r.targets.map((h) => inject(h, r.fault!)))) : Promise.resolve()
  const code: number | null = await new Promise((res) => child.on('close', (c) => res(c)))
  clearTimeout(watchdog)
  await faulted.catch(() => {})
  const events = out.trim().split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l)]
    } catch {
      return []
    }
  })
  const recap = events.find((e) => e.type === 'recap')
  const outcome: Record<string, string> = {}
  for (const e of events) {
    if (e.type === 'task') outcome[e.host] = `${e.status} ${e.task}${e.status === 'failed' || e.status === 'rolled_back' ? `: ${String(e.reason).slice(0, 300)}` : ''}`
    if (e.type === 'unreachable') outcome[e.host] = `unreachable: ${String(e.reason).slice(0, 120)}`
  }
  return { ended, code, wallMs: performance.now() - started, recap: recap?.hosts, interrupted: recap?.interrupted, outcome, stderr: err }
}

/** Reads a host's end state over the lab's own ssh (root's way in). */
export function readEndState(sshConfig: string, host: HostPlan, profile: LabProfile, bridge = 'br0'): HostEndState {
  const res = spawnSync('ssh', ['-F', sshConfig, host.name, endStateScript(bridge, profile)], { encoding: 'utf8', timeout: 30_000 })
  if (res.status !== 0) throw new Error(`${host.name}: could not read its end state (ssh exit ${res.status}): ${res.stderr}`)
  return parseEndState(host, bridge, res.stdout)
}

/**
 * The faults repaired (libvirtd started again over the lab's ssh), then each
 * host read once no cutover is left undecided on it — a host cut off rolls
 * back by itself when its timer fires — or `settleMs` have passed.
 */
export async function settle(sshConfig: string, hosts: HostPlan[], profileOf: (h: HostPlan) => LabProfile, fault: Fault | undefined, targets: HostPlan[], settleMs: number): Promise<HostEndState[]> {
  const startLibvirtd = async (h: HostPlan) => void spawnSync('ssh', ['-F', sshConfig, h.name, '/usr/sbin/libvirtd --daemon'], { timeout: 30_000 })
  if (fault) for (const h of targets) await repair(h, fault, startLibvirtd)
  const deadline = Date.now() + settleMs
  for (;;) {
    const states = hosts.map((h) => readEndState(sshConfig, h, profileOf(h)))
    if (states.every((s) => s.undecided.length === 0) || Date.now() > deadline) return states
    await new Promise((res) => setTimeout(res, 1000))
  }
}

export { inconsistencies }
