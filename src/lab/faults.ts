/**
 * Faults a lab host can be given while a run goes on, as a real host meets
 * them, and their repair — for the stress suite (bench/stress.ts) and its
 * lab test: every run must end by itself, report every host, and leave each
 * one converged, rolled back or untouched, whatever happens on the way.
 *
 * - sshd-stop: the host's sshd listener stopped (SIGSTOP): a new connection
 *   is accepted by the kernel and then hangs in its handshake.
 * - sshd-freeze: every sshd process of the host stopped, sessions included:
 *   the connections kvmplay holds stop answering (keepalives too).
 * - drop: the host's firewall drops SSH, both ways, for the rest of the run:
 *   a connection dropped mid-run.
 * - stall: the same for a few seconds, then lifted: a link that stalls and
 *   comes back (TCP retransmits; nothing should fail).
 * - libvirtd-kill: libvirtd killed (SIGKILL) mid-change; it is started again
 *   only at the repair.
 */
import { readFileSync } from 'node:fs'
import { $ } from './sh.ts'
import { netnsPids } from './host.ts'
import type { HostPlan } from './addressing.ts'

export const FAULTS = ['sshd-stop', 'sshd-freeze', 'drop', 'stall', 'libvirtd-kill'] as const
export type Fault = (typeof FAULTS)[number]

/** How long `stall` holds the link. */
export const STALL_MS = 4000

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return ''
  }
}
const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}

/** The host's processes whose command says `what`. */
async function processes(host: HostPlan, what: (comm: string, cmdline: string) => boolean): Promise<number[]> {
  return (await netnsPids(host.netns)).filter((pid) => what(comm(pid), cmdline(pid)))
}

const isSshd = (c: string) => c === 'sshd'
const isListener = (c: string, line: string) => c === 'sshd' && line.includes('[listener]')
const isLibvirtd = (c: string) => c === 'libvirtd'

const signal = (pids: number[], sig: NodeJS.Signals) => pids.forEach((pid) => process.kill(pid, sig))
const firewall = (host: HostPlan, op: '-I' | '-D') =>
  Promise.all(['INPUT', 'OUTPUT'].map((chain) => $({ nothrow: true })`ip netns exec ${host.netns} iptables -w ${op} ${chain} -p tcp -m multiport --ports 22,2222 -j DROP`))

/** Gives the host the fault now; resolves once it is in place (a stall, once it is lifted again). */
export async function inject(host: HostPlan, fault: Fault): Promise<void> {
  switch (fault) {
    case 'sshd-stop':
      return signal(await processes(host, isListener), 'SIGSTOP')
    case 'sshd-freeze':
      return signal(await processes(host, isSshd), 'SIGSTOP')
    case 'drop':
      return void (await firewall(host, '-I'))
    case 'stall':
      await firewall(host, '-I')
      await new Promise((r) => setTimeout(r, STALL_MS))
      return void (await firewall(host, '-D'))
    case 'libvirtd-kill':
      return signal(await processes(host, isLibvirtd), 'SIGKILL')
  }
}

/** Takes the fault away: sshd goes on, the firewall is open, libvirtd runs again (started as the host's boot starts it). */
export async function repair(host: HostPlan, fault: Fault, startLibvirtd: (host: HostPlan) => Promise<void>): Promise<void> {
  switch (fault) {
    case 'sshd-stop':
    case 'sshd-freeze':
      return signal(await processes(host, isSshd), 'SIGCONT')
    case 'drop':
    case 'stall':
      // Every rule this module inserted (a stall lifts its own; a drop may have been given twice).
      while ((await $({ nothrow: true })`ip netns exec ${host.netns} iptables -w -C INPUT -p tcp -m multiport --ports 22,2222 -j DROP`).exitCode === 0) await firewall(host, '-D')
      return
    case 'libvirtd-kill':
      if ((await processes(host, isLibvirtd)).length === 0) await startLibvirtd(host)
      return
  }
}
