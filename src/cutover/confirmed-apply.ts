/**
 * Confirmed apply, for changes to how a host is reached. Before the change
 * the host gets its own rollback (a snapshot restore script) and a timer
 * that runs it — systemd-run where systemd runs, a detached process
 * otherwise — so it needs no controller. The change runs detached from the
 * SSH session. The controller then logs in again over a new connection (the
 * proof that the host can still be reached), probes (the gateway answers, the
 * user's probes, libvirtd answers) and only then confirms, which disarms the
 * timer. If it cannot get back in within the
 * confirm timeout, the host restores itself; the controller waits for that,
 * reconnects and verifies, and the task reads "rolled back", with why.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { KvmplayError } from '../core/errors.ts'
import { quote } from '../core/quote.ts'
import type { Connection } from '../connection/types.ts'
import type { HostReach } from '../core/task.ts'
import type { Probe } from './probe.ts'
import { probeLines, readVerdicts } from './probe-run.ts'
import { installNewOnDisk, keepPreviousOnDisk } from './boot-safe.ts'
import type { FileOriginal } from '../core/task.ts'
import { ARM_TIMEOUT_MS, CONFIRM_TIMEOUT_MS, PROBE_TIMEOUT_MS } from '../core/deadlines.ts'

export interface Cutover {
  /** Shell commands that make the change. */
  apply: string
  /** Shell commands run first, as part of the change: the staged files put in place (boot-safe.ts installStaged). */
  install?: string
  /** Shell script that undoes it (restore.ts). */
  restore: string
  /** Seconds the host waits for the confirmation before it restores itself. */
  timeoutSec: number
  /** What must hold on the new connection before confirming; unless a probe says otherwise, also before arming. */
  probes: Probe[]
  /** Checks made from the controller (before arming, and on the new connection after the probes pass): each answers what failed, or undefined. */
  checks?: ((conn: Connection) => Promise<string | undefined>)[]
  /** What shows the state that matters: read when arming, compared after a rollback. */
  verify: Verify
  /** Shell commands run once the change is confirmed (e.g. destroying a NetworkManager checkpoint); their failure is ignored. */
  confirm?: string
  /**
   * Files the change's configuration lives in, as they were before the run: until the
   * confirmation their previous version is what is on disk, so a host power-cycled in
   * between boots as it was (boot-safe.ts).
   */
  bootFiles?: FileOriginal[]
}

export interface Verify {
  command: string
  /** The part of the output that must match; here, not on the host, where it would cost processes. */
  digest?: (out: string) => string
}

/** A confirmed change: how long it took from arming, and the optional probes that could not run (skipped, said so). */
export interface Confirmed {
  seconds: number
  skipped: string[]
}

const digested = (v: Verify, out: string) => (v.digest ? v.digest(out) : out).trim()

export const DEFAULT_CONFIRM_TIMEOUT_SEC = 60

/** printf is a shell builtin: no process for each file written (a here-document needs cat). */
const writeFile = (path: string, body: string) => `printf '%s\\n' ${quote(body)} > ${path}`

/** Where one cutover keeps its scripts and state on the host (/run: gone at the next boot). */
const cutoverDir = (id: string) => `/run/kvmplay/cutover-${id}`

/**
 * The decision between confirming and rolling back is a file only one side
 * can create (noclobber: O_EXCL), so the rollback fires at most once and a
 * late confirmation knows it lost — with shell builtins, no process.
 */
// `true`, not `:`: a failed redirection of a special builtin (`:`) would end the shell itself.
const claim = (d: string) => `set -C; { true > "${d}/decided"; } 2>/dev/null`

/** Ends the arm script before anything is armed where a precondition does not hold ("F " lines: probe-run.ts). */
const preconditions = (probes: Probe[]) =>
  probes.length ? [`pre=$(\n${probeLines(probes).join('\n')}\n)`, '[ -z "$pre" ] || printf \'%s\\n\' "$pre"', `case "\n$pre" in *"\nF "*) exit 0 ;; esac`] : []

/**
 * A step of apply.sh that ends it when it fails. Not `( … ) || exit`: a
 * subshell on the left of `||` runs with `set -e` ignored (POSIX), so a
 * failed command inside would not stop it.
 */
const step = (body: string) => `( ${body}\n)\nrc=$?; [ $rc -eq 0 ] || exit $rc\n`

/** The staged files in place, the change, then (once it worked) the previous files back on disk until the confirmation. */
function applyThenKeepPrevious(d: string, c: Cutover): string {
  const keep = keepPreviousOnDisk(c.bootFiles ?? [])
  const install = c.install ? step(`set -e\n${c.install}`) : ''
  return keep || install ? `${install}${step(c.apply)}d=${d}\n${keep}` : c.apply
}

/**
 * The rollback stops the change first: a change still running (waiting for
 * a lease, retrying a link) would otherwise go on undoing the restore — an
 * address flushed from the uplink once it had it back. The change is a
 * session of its own (apply.pid is its process group), so its commands stop too.
 */
const stopChange = (d: string) => [
  `p=; { read -r p < "${d}/apply.pid"; } 2>/dev/null || true`,
  // apply.rc written: the change ended, and its PID may be another's by now.
  `if [ -n "$p" ] && [ ! -e "${d}/apply.rc" ] && kill -TERM "-$p" 2>/dev/null; then`,
  '  i=0; while kill -0 "-$p" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done',
  '  kill -KILL "-$p" 2>/dev/null || true',
  'fi',
]

export function armScript(id: string, c: Cutover): string {
  const d = cutoverDir(id)
  // The change runs detached from this session (a dropped link cannot stop it
  // halfway), in a session of its own that fire.sh can stop (setsid execs in
  // the background child: its PID is the group's). Without systemd the
  // detached shell also holds the timer.
  const change = `setsid /bin/sh "$0/apply.sh" > "$0/apply.log" 2>&1 & echo $! > "$0/apply.pid"; wait $!; echo $? > "$0/apply.rc"`
  const sleeper = `( sleep ${c.timeoutSec}; exec /bin/sh "$0/fire.sh" ) & echo $! > "$0/timer"; `
  const detached = (script: string) => `setsid /bin/sh -c '${script}' "$d" </dev/null >/dev/null 2>&1 &`
  return [
    // The state before the change, for checking a rollback later.
    `{ ${c.verify.command}\n} || true`,
    'echo @@PRE',
    // What must hold after the change must hold before it too, unless a probe says otherwise.
    ...preconditions(c.probes.filter((p) => p.precondition !== false)),
    'echo @@ARMING',
    'set -e',
    `d=${d}`,
    // The journal holds the files' previous contents (a 0600 keyfile's secrets among them): root's alone.
    'umask 077',
    'mkdir -p "$d"',
    writeFile('"$d/restore.sh"', c.restore),
    writeFile('"$d/apply.sh"', applyThenKeepPrevious(d, c)),
    // fire.sh runs the rollback at most once, whoever calls it first.
    writeFile('"$d/fire.sh"', [`d=${d}`, `${claim('$d')} || exit 0`, 'set +C', ...stopChange('$d'), 'sh "$d/restore.sh" > "$d/restore.log" 2>&1', 'echo $? > "$d/restore.rc"'].join('\n')),
    ': > "$d/armed"',
    // systemd's private socket, not only /run/systemd/system: `netplan generate` creates that directory (a unit of its own) where no systemd runs.
    `if [ -d /run/systemd/system ] && [ -S /run/systemd/private ] && command -v systemd-run >/dev/null 2>&1; then`,
    `  systemd-run --quiet --unit=kvmplay-rollback-${id} --on-active=${c.timeoutSec}s /bin/sh "$d/fire.sh"; echo systemd > "$d/timer"`,
    `  ${detached(change)}`,
    'else',
    `  ${detached(sleeper + change)}`,
    'fi',
    'echo armed',
  ].join('\n')
}

/**
 * On the connection the probes go over: wait for the change to finish, then run them;
 * prints what failed. The confirmation is a separate command, sent only by a
 * controller that saw the probes pass: a probe script left running by a
 * controller that died must not confirm on its behalf.
 */
export function probeScript(id: string, c: Cutover): string {
  const d = cutoverDir(id)
  return [
    `d=${d}`,
    // /run emptied: the host restarted, and booted from its previous files (boot-safe.ts).
    '[ -d "$d" ] || { echo "F the host restarted before the confirmation (its cutover state in /run is gone)"; exit 0; }',
    // Up to 30 s: a change waits for its links itself (networkd's for a new bridge and its lease, up to 25 s on a loaded host).
    'i=0; while [ ! -e "$d/apply.rc" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done',
    '{ read -r rc < "$d/apply.rc"; } 2>/dev/null || rc=unfinished',
    '[ "$rc" = 0 ] || { echo "F the change failed (exit $rc): $(tail -n 3 "$d/apply.log" 2>/dev/null | tr \'\\n\' \' \')"; exit 0; }',
    ...probeLines(c.probes),
  ].join('\n')
}

export function confirmScript(id: string, c?: Pick<Cutover, 'confirm' | 'bootFiles'>): string {
  const d = cutoverDir(id)
  const install = installNewOnDisk(c?.bootFiles ?? [])
  return [
    `d=${d}`,
    '[ -d "$d" ] || { echo rebooted; exit 0; }',
    // A confirmation whose answer was lost is asked again: say it was confirmed, not too late.
    '[ ! -e "$d/confirmed" ] || { echo confirmed; exit 0; }',
    `${claim('$d')} || { echo too-late; exit 0; }`,
    // The new configuration goes to disk first: from here on the host boots with it.
    ...(install ? [install] : []),
    ': > "$d/confirmed"',
    ...(c?.confirm ? [`( ${c.confirm}
) >/dev/null 2>&1 </dev/null || true`] : []),
    // The timer is only tidied away: once decided, fire.sh does nothing.
    't=; { read -r t < "$d/timer"; } 2>/dev/null || true',
    `if [ "$t" = systemd ]; then systemctl stop kvmplay-rollback-${id}.timer >/dev/null 2>&1; elif [ -n "$t" ]; then kill "$t" 2>/dev/null; fi`,
    // What held the files' contents goes: the journal, the change (staged files inside), the versions set aside. The markers stay, for a confirmation asked again.
    'rm -rf "$d/restore.sh" "$d/apply.sh" "$d/boot-safe"',
    'echo confirmed',
  ].join('\n')
}

/** Rolls back now (a probe failed): detached, since the restore may drop this session too. */
export const fireNowScript = (id: string) => `setsid /bin/sh ${cutoverDir(id)}/fire.sh </dev/null >/dev/null 2>&1 &`

type Connect = (opts: { connectTimeoutMs: number }) => Promise<Connection>

/** Tries to log in again until the deadline; undefined when the host stayed out of reach. */
async function loginUntil(connect: Connect, deadline: number): Promise<{ conn?: Connection; error?: string }> {
  let error = 'no attempt'
  while (Date.now() < deadline) {
    const left = deadline - Date.now()
    try {
      return { conn: await connect({ connectTimeoutMs: Math.max(1000, Math.min(3000, left)) }) }
    } catch (err) {
      error = (err as Error).message
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())))
    }
  }
  return { error }
}

/**
 * Logs in again once the rollback has run (or while it runs: a restore that
 * drops the new login is waited out) and reads its exit code and the state
 * it left, by the deadline; a host still out of reach then is unreachable.
 */
async function afterRollback(reach: HostReach, id: string, c: Cutover, why: string, deadline: number) {
  const d = cutoverDir(id)
  // Up to 30 s for the restore to end: a network system's own rollback (NetworkManager's checkpoint) takes its time.
  // A host that restarted has no cutover directory left: nothing to wait for, it booted from its previous files.
  const read = `i=0; while [ -d ${d} ] && [ ! -e ${d}/restore.rc ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; cat ${d}/restore.rc 2>/dev/null; echo @@; ${c.verify.command}`
  let error = 'no attempt'
  while (Date.now() < deadline) {
    const again = await loginUntil(reach.reconnect, deadline)
    if (!again.conn) {
      error = again.error ?? error
      break
    }
    try {
      return { state: await again.conn.exec(read, { timeoutMs: 45_000 }), conn: again.conn }
    } catch (err) {
      error = (err as Error).message
      await sleep(500)
    }
  }
  throw new KvmplayError('connect', `${reach.host}: cutover failed (${why}) and the host is still unreachable after its rollback should have run: ${error}`)
}

/** What differs between two digests, line by line ("lost: …; new: …"), or '' where nothing does. */
export function difference(before: string, now: string): string {
  const a = before.split('\n').filter(Boolean)
  const b = now.split('\n').filter(Boolean)
  const lost = a.filter((l) => !b.includes(l))
  const added = b.filter((l) => !a.includes(l))
  return [lost.length ? `lost ${lost.join(', ')}` : '', added.length ? `new ${added.join(', ')}` : ''].filter(Boolean).join('; ')
}

/** Whether a connection still carries a command, within a few seconds (a link the change broke may hang, not fail). */
const answers = (conn: Connection) => conn.exec(':', { timeoutMs: 3000 }).then((r) => r.code === 0, () => false)

/**
 * Makes the change as a confirmed apply over the host's reach: arms the
 * rollback over its connection, then reaches it anew to probe and confirm.
 * Resolves with how long it took and what was skipped; throws 'rolled-back' when the host
 * restored itself, 'connect' when it stayed out of reach even after that.
 */
export async function confirmedApply(reach: HostReach, c: Cutover): Promise<Confirmed> {
  const conn = await reach.connection()
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  const started = Date.now()
  const T = (m: string) => process.env.KVMPLAY_DEBUG_CUTOVER && console.error(`[cutover ${reach.host}] ${m} +${Date.now() - started}ms`)
  // A condition already false before the change is not the change's fault: fail with nothing changed.
  const notBefore = (failures: string[]) =>
    new KvmplayError('precondition', `${failures.map((f) => `${f} on ${reach.host}`).join('; ')} before the change — nothing was changed`)
  const checkedBefore = (await Promise.all((c.checks ?? []).map((check) => check(conn)))).filter((f): f is string => !!f)
  if (checkedBefore.length) throw notBefore(checkedBefore)
  const armed = await conn.exec(armScript(id, c), { timeoutMs: ARM_TIMEOUT_MS, label: 'arm the rollback' })
  const [verifyBefore, afterVerify = ''] = armed.stdout.split('@@PRE\n')
  const [preOut, armedOut = ''] = afterVerify.split('@@ARMING\n')
  const before = readVerdicts(preOut)
  if (before.failures.length) throw notBefore(before.failures)
  if (armed.code !== 0 || !armedOut.includes('armed')) {
    throw new KvmplayError('command', `${reach.host}: could not arm the rollback (exit ${armed.code}): ${armed.stderr.trim()} — nothing was changed`)
  }
  // Confirm with a margin before the host's own timer would fire.
  const confirmBy = started + c.timeoutSec * 1000 - 2000
  T('armed')
  let why = `could not log in again within ${c.timeoutSec} s`
  // Log in again, probe and confirm; a new connection that the change itself
  // drops (it may still be running) is retried, not taken for a failed probe.
  let current = conn
  let firedNow = false
  while (Date.now() < confirmBy) {
    const back = await loginUntil(reach.connectAgain, confirmBy)
    T('logged in again')
    if (!back.conn) {
      why = `could not log in again within ${c.timeoutSec} s (${back.error})`
      break
    }
    // The new login is the proof that the host can be reached anew. The
    // probes are the host's own checks: they run on the connection kvmplay
    // already has while it still answers (no new session, shell or libvirt
    // session for the host to start), else on the new one, which becomes the host's.
    if (await answers(current)) {
      back.conn.close().catch(() => {})
    } else {
      reach.adopt(back.conn)
      current = back.conn
    }
    let failures: string
    let skipped: string[] = []
    try {
      // The controller's checks run alongside the probes (one wait, not two); they count only when the probes pass.
      const checks = Promise.all((c.checks ?? []).map((check) => check(current)))
      checks.catch(() => {})
      const after = readVerdicts((await current.exec(probeScript(id, c), { timeoutMs: PROBE_TIMEOUT_MS, label: 'probe after the change' })).stdout)
      skipped = after.skipped
      failures = after.failures.join('; ')
      if (!failures) failures = (await checks).find((f) => f) ?? ''
    } catch (err) {
      why = `the connection dropped while probing (${(err as Error).message})`
      continue
    }
    T('probed')
    if (!failures) {
      let confirm
      try {
        confirm = await current.exec(confirmScript(id, c), { timeoutMs: CONFIRM_TIMEOUT_MS, label: 'confirm the change' })
      } catch (err) {
        why = `the connection dropped while confirming (${(err as Error).message})`
        continue
      }
      if (confirm.stdout.includes('confirmed')) {
        return { seconds: (Date.now() - started) / 1000, skipped: [...new Set([...before.skipped, ...skipped])] }
      }
      why = confirm.stdout.includes('rebooted')
        ? 'the host restarted before the confirmation'
        : `confirmation came too late (after ${c.timeoutSec} s): the host had started its rollback`
    } else {
      why = failures
      firedNow = await current.exec(fireNowScript(id), { timeoutMs: CONFIRM_TIMEOUT_MS, label: 'fire the rollback' }).then(
        () => true,
        () => false,
      )
    }
    break
  }
  // The host restores itself: at once where kvmplay fired the rollback (a failed change or probe:
  // the verdict in seconds), else when its timer fires. Wait for that, then verify.
  if (!firedNow) await sleep(Math.max(0, started + c.timeoutSec * 1000 - Date.now()))
  const back = await afterRollback(reach, id, c, why, Date.now() + 30_000)
  const [rc, now = ''] = back.state.stdout.split('@@\n')
  let differs = difference(digested(c.verify, verifyBefore), digested(c.verify, now))
  // A host that has just booted is still bringing up the rest (libvirt's networks): give it a few seconds to settle.
  for (let i = 0; differs && !rc.trim() && i < 15; i++) {
    await sleep(1000)
    const again = await back.conn.exec(c.verify.command, { timeoutMs: CONFIRM_TIMEOUT_MS, label: 'read the state after the rollback' }).catch(() => undefined)
    if (again) differs = difference(digested(c.verify, verifyBefore), digested(c.verify, again.stdout))
  }
  throw new KvmplayError(
    'rolled-back',
    `${reach.host}: rolled back — ${why}. ${rc.trim() ? `The host restored its previous state by itself (restore exit ${rc.trim()})` : 'The host came back from its previous configuration files'}${differs ? `, but it differs: ${differs}` : ', verified'}`,
  )
}
