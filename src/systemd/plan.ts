/**
 * What a service task must do to a unit, from its state: pure, so it is
 * tested with canned `systemctl show` output. Each change is one systemctl
 * command; `restarted` and `reloaded` are actions, not states, and run
 * every time (a handler's job: run once when a watched file changed).
 */
import { KvmplayError } from '../core/errors.ts'
import type { UnitState } from '../facts/systemd.ts'

export interface ServiceWish {
  enabled?: boolean
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded'
  masked?: boolean
}

export interface UnitAction {
  /** systemctl's verb: enable, disable, start, stop, restart, reload, mask, unmask. */
  verb: string
  why: string
}

const RUNNING = new Set(['active', 'activating', 'reloading'])
/** Unit file states that enable/disable do not change: systemctl refuses or ignores them. */
const FIXED = new Set(['static', 'generated', 'indirect', 'alias', 'transient'])

export function planUnit(host: string, unit: string, s: UnitState, w: ServiceWish): { actions: UnitAction[]; notes: string[] } {
  if (!s.systemd) {
    throw new KvmplayError('precondition', `${host}: systemd is not PID 1 here (/run/systemd/system is absent: a container or chroot without its init?), so ${unit} cannot be managed as a systemd unit`)
  }
  const actions: UnitAction[] = []
  const notes: string[] = []
  const missing = s.load === 'not-found'
  // A unit its package has not installed yet (a --check of a bare host): planned as disabled and stopped; the real run fails if it is still missing then.
  if (missing) notes.push(`${unit} is not installed yet: planned as if its package (an earlier task) brought it`)
  const masked = s.load === 'masked' || s.file === 'masked'
  if (w.masked === true && !masked) actions.push({ verb: 'mask', why: 'masked' })
  if (w.masked === false && masked) actions.push({ verb: 'unmask', why: 'was masked' })
  const willBeMasked = w.masked ?? masked
  if (willBeMasked && (w.state === 'started' || w.state === 'restarted' || w.state === 'reloaded' || w.enabled === true)) {
    throw new KvmplayError('precondition', `${host}: ${unit} is masked, so it cannot be ${w.enabled ? 'enabled' : 'started'}: unmask it (masked: false)`)
  }
  const file = missing ? 'disabled' : s.file
  if (w.enabled !== undefined && !willBeMasked) {
    if (FIXED.has(file)) notes.push(`${unit} is ${file}: systemctl does not ${w.enabled ? 'enable' : 'disable'} it`)
    else if (w.enabled && !file.startsWith('enabled')) actions.push({ verb: 'enable', why: `was ${file || 'without a unit file'}` })
    else if (!w.enabled && file.startsWith('enabled')) actions.push({ verb: 'disable', why: `was ${file}` })
  }
  const running = !missing && RUNNING.has(s.active)
  if (w.state === 'started' && !running) actions.push({ verb: 'start', why: `was ${missing ? 'not installed' : s.active}` })
  if (w.state === 'stopped' && running) actions.push({ verb: 'stop', why: `was ${s.active}` })
  // A stopped unit is started by a restart; reload of a stopped one would fail, so it is started instead.
  if (w.state === 'restarted') actions.push({ verb: 'restart', why: 'asked (a watched change)' })
  if (w.state === 'reloaded') actions.push(running ? { verb: 'reload', why: 'asked (a watched change)' } : { verb: 'start', why: `was ${s.active || 'stopped'}` })
  return { actions, notes }
}
