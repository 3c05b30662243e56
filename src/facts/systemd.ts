/**
 * A systemd unit's state as `systemctl show` gives it, and whether systemd
 * runs the host at all: /run/systemd/system exists exactly where systemd is
 * PID 1 (sd_booted(3)), so a container or chroot without it is told apart
 * from a unit that is merely missing.
 */
import { sh } from '../core/quote.ts'
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export interface UnitState {
  /** systemd is PID 1 here. */
  systemd: boolean
  /** loaded, not-found, masked, bad-setting, error. */
  load: string
  /** active, inactive, failed, activating, deactivating, reloading. */
  active: string
  /** enabled, disabled, static, masked, indirect, generated, alias, enabled-runtime, '' (no unit file). */
  file: string
}

/** `systemctl show -p …` lines, KEY=value. */
export function parseUnitShow(text: string): Omit<UnitState, 'systemd'> {
  const v = new Map(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()] as const))
  return { load: v.get('LoadState') ?? '', active: v.get('ActiveState') ?? '', file: v.get('UnitFileState') ?? '' }
}

export const unitFact: Fact<UnitState, string> = {
  name: 'systemd-unit',
  describe: (unit) => `systemd unit ${unit}`,
  reads: (unit) => [resource.unit(unit)],
  command: (unit) => `[ -d /run/systemd/system ] || exit 3\n${sh`systemctl show -p LoadState -p ActiveState -p UnitFileState -- ${unit}`}`,
  parse: (res, unit) => {
    if (res.code === 3) return { systemd: false, load: '', active: '', file: '' }
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read systemd unit ${unit} (exit ${res.code}): ${res.stderr.trim()}`)
    return { systemd: true, ...parseUnitShow(res.stdout) }
  },
}
