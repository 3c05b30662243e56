/**
 * How long kvmplay waits for its own commands on a host. A user's command
 * (`command`, a step of one's own) has the run's --command-timeout (600 s);
 * what kvmplay itself sends has a deadline of its own, short enough that a
 * host that stops answering is a failure naming it and what was awaited
 * within a minute or two, long enough for a slow host's honest work.
 */
import { KvmplayError } from './errors.ts'

/** Reading a play's facts in one round trip: files, links, sysctls, libvirt by virsh where its socket is out of reach. */
export const FACTS_TIMEOUT_MS = 120_000

/** Arming a cutover: the state before, the probes before, the rollback's files written. */
export const ARM_TIMEOUT_MS = 60_000

/** The cutover's probes on the host: waiting (10 s at most) for the change to finish, then each probe (a few seconds each). */
export const PROBE_TIMEOUT_MS = 60_000

/** Confirming a cutover (files into place, the timer disarmed) or firing its rollback. */
export const CONFIRM_TIMEOUT_MS = 30_000

/** Asking libvirtd, through virsh, whether it answers (virsh's own connect is a few seconds at worst). */
export const VIRSH_CHECK_TIMEOUT_MS = 30_000

/** A guest NIC's relink, beyond its wait: two virsh update-device calls and up to two retries of the up, a second apart. */
export const RELINK_TIMEOUT_MS = 60_000

/**
 * `work`, or a 'timeout' error saying `what` was awaited once `ms` have
 * passed; `abandon` tidies up what comes too late (closes a channel that
 * opened after all).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, abandon?: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false
    const timer = setTimeout(() => {
      late = true
      reject(new KvmplayError('timeout', `${what} (waited ${ms / 1000} s)`))
    }, ms)
    work.then(
      (v) => (late ? abandon?.(v) : (clearTimeout(timer), resolve(v))),
      (e) => (late ? undefined : (clearTimeout(timer), reject(e))),
    )
  })
}
