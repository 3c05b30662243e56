/**
 * command: run something on the host. Guards make it idempotent: `creates`
 * (skip when the path exists), `removes` (skip when it does not), `unless`
 * (skip when this read-only command succeeds), `onlyIf` (run only when it
 * succeeds). Without a guard it runs every time and reports changed.
 */
import { defineTask, converged } from '../src/core/task.ts'
import type { Task, TaskOptions } from '../src/core/task.ts'
import { pathExistsFact, commandSucceedsFact } from '../src/facts/probe.ts'
import { factRequest } from '../src/facts/fact.ts'
import type { FactRequest } from '../src/facts/fact.ts'
import { commandStep } from '../src/core/step.ts'
import { quote, sh } from '../src/core/quote.ts'
import { absolutePath } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { checkOptions, listOf, object, oneOf, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface CommandOptions extends TaskOptions {
  /** A shell command line (yours, run as written by /bin/sh), or an argv list (each word quoted). */
  cmd: string | string[]
  creates?: string
  removes?: string
  unless?: string
  onlyIf?: string
  /** Directory to run in. */
  chdir?: string
}

/** What command() takes, checked when the playbook loads (shape.ts). */
export const commandShape = object<CommandOptions>({
  ...taskOptionFields,
  cmd: required(oneOf(string, listOf(string))),
  creates: string,
  removes: string,
  unless: string,
  onlyIf: string,
  chdir: string,
})

/**
 * @example
 * ```ts
 * command({ cmd: ['virsh', 'net-autostart', 'br0'], creates: '/etc/libvirt/qemu/networks/autostart/br0.xml' })
 * ```
 */
export function command(opts: CommandOptions): Task {
  checkOptions('command', opts, commandShape)
  if (typeof opts.cmd === 'string' ? !opts.cmd.trim() : !Array.isArray(opts.cmd) || opts.cmd.length === 0) {
    throw new KvmplayError('validation', "command: 'cmd' must be a non-empty command line or argv list")
  }
  const line = typeof opts.cmd === 'string' ? opts.cmd : opts.cmd.map((w) => quote(String(w))).join(' ')
  const creates = opts.creates === undefined ? undefined : absolutePath(opts.creates, 'creates')
  const removes = opts.removes === undefined ? undefined : absolutePath(opts.removes, 'removes')
  const chdir = opts.chdir === undefined ? undefined : absolutePath(opts.chdir, 'chdir')
  const guards: FactRequest[] = [
    ...(creates ? [factRequest(pathExistsFact, creates)] : []),
    ...(removes ? [factRequest(pathExistsFact, removes)] : []),
    ...(opts.unless ? [factRequest(commandSucceedsFact, opts.unless)] : []),
    ...(opts.onlyIf ? [factRequest(commandSucceedsFact, opts.onlyIf)] : []),
  ]
  const full = chdir ? sh`cd ${chdir}` + ` && ${line}` : line
  return defineTask(
    {
      name: `command ${line.length > 60 ? line.slice(0, 57) + '...' : line}`,
      facts: () => guards,
      plan: async (host) => {
        if (creates && (await host.fact(pathExistsFact, creates))) return converged(`${creates} exists`)
        if (removes && !(await host.fact(pathExistsFact, removes))) return converged(`${removes} does not exist`)
        if (opts.unless && (await host.fact(commandSucceedsFact, opts.unless))) return converged(`'${opts.unless}' succeeds`)
        if (opts.onlyIf && !(await host.fact(commandSucceedsFact, opts.onlyIf))) return converged(`'${opts.onlyIf}' fails`)
        return { steps: [commandStep(`run ${line}`, full)], reason: guards.length ? undefined : 'no guard (creates/removes/unless/onlyIf): runs every time' }
      },
    },
    opts,
  )
}
