/**
 * service: a systemd unit enabled or disabled, started or stopped, masked
 * or not — or restarted (reloaded) when notified: as a playbook handler, it
 * runs once at the end of the host's play when a task that names it in
 * `notify` changed something (a config file it watches). Where systemd is
 * not PID 1, a clear error.
 */
import { defineTask } from '../src/core/task.ts'
import type { Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { unitFact } from '../src/facts/systemd.ts'
import { planUnit } from '../src/systemd/plan.ts'
import type { ServiceWish } from '../src/systemd/plan.ts'
import { commandStep } from '../src/core/step.ts'
import { resource } from '../src/core/resource.ts'
import { sh } from '../src/core/quote.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { boolean, checkOptions, literal, object, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface ServiceOptions extends TaskOptions, ServiceWish {
  /** The unit: 'libvirtd' (.service is implied), 'libvirtd.socket'. */
  unit: string
  /**
   * `systemctl daemon-reload` before its other changes, where it has any (a
   * unit file or drop-in a template just wrote). Not run for a converged
   * unit, so it stays idempotent. Default false.
   */
  daemonReload?: boolean
}

/** What service() takes, checked when the playbook loads (shape.ts). */
export const serviceShape = object<ServiceOptions>({
  ...taskOptionFields,
  unit: required(string),
  enabled: boolean,
  state: literal('started', 'stopped', 'restarted', 'reloaded'),
  masked: boolean,
  daemonReload: boolean,
})

/** A unit name as systemd spells them (systemd.unit(5)); no suffix means a service. */
export function unitName(name: string): string {
  if (!/^[A-Za-z0-9:_.@\\-]+$/.test(name)) throw new KvmplayError('validation', `service: invalid unit name ${JSON.stringify(name)}`)
  return /\.(service|socket|timer|target|mount|path|slice|scope|swap|automount|device)$/.test(name) ? name : `${name}.service`
}

/**
 * @example
 * ```ts
 * service({ unit: 'libvirtd', enabled: true, state: 'started' })
 * // as a handler, restarted once when a task notifying it changed something:
 * handlers: { 'restart libvirtd': service({ unit: 'libvirtd', state: 'restarted' }) }
 * ```
 */
export function service(opts: ServiceOptions): Task {
  checkOptions('service', opts, serviceShape)
  const unit = unitName(opts.unit)
  const wish: ServiceWish = { enabled: opts.enabled, state: opts.state, masked: opts.masked }
  if (wish.enabled === undefined && wish.state === undefined && wish.masked === undefined) {
    throw new KvmplayError('validation', `service ${unit}: say what it should be: enabled, state or masked`)
  }
  const said = [wish.masked === true ? 'masked' : '', wish.enabled === undefined ? '' : wish.enabled ? 'enabled' : 'disabled', wish.state ?? ''].filter(Boolean).join(', ')
  return defineTask(
    {
      name: `service ${unit} ${said}`,
      facts: () => ({ state: factRequest(unitFact, unit) }),
      plan: (host, { state }) => {
        const { actions, notes } = planUnit(host.name, unit, state, wish)
        const steps = actions.map((a) => commandStep(`${a.verb} ${unit} (${a.why})`, sh`systemctl ${a.verb} -- ${unit}`, { touches: [resource.unit(unit)] }))
        // Every unit's state may read differently after a reload.
        if (steps.length && opts.daemonReload) steps.unshift(commandStep('reload systemd (daemon-reload)', 'systemctl daemon-reload', { touches: [resource.unit()] }))
        const reason = steps.length ? notes.join('; ') || undefined : [`${unit} is ${said}`, ...notes].join('; ')
        return { steps, reason }
      },
    },
    opts,
  )
}
