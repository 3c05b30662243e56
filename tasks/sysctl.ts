/**
 * sysctl: a kernel parameter, both running (/proc/sys) and persisted in a
 * sysctl file so it survives a reboot. The persisted line is edited in
 * place (other lines and comments kept), appended when missing.
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { sysctlFact, procSysPath, normaliseSysctl } from '../src/facts/sysctl.ts'
import { fileFact } from '../src/facts/file.ts'
import { factRequest } from '../src/facts/fact.ts'
import { commandStep } from '../src/core/step.ts'
import { resource } from '../src/core/resource.ts'
import { sh } from '../src/core/quote.ts'
import { absolutePath, sysctlKey } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { planFile, fileWish } from './file.ts'
import { boolean, checkOptions, literal, number, object, oneOf, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface SysctlOptions extends TaskOptions {
  /** e.g. 'net.ipv4.ip_forward' (or with slashes). */
  key: string
  value: string | number
  /**
   * Where to persist it. Default /etc/sysctl.conf, which `sysctl --system`
   * reads last, so its value wins at boot (and it is where the seed puts it).
   */
  file?: string
  /** Also set the running value. Default true. */
  apply?: boolean
  /**
   * Where the key does not exist yet (its module not loaded, as
   * net.bridge.* before br_netfilter): 'fail' (the default) or 'persist' —
   * write the file, which systemd-sysctl applies at boot after
   * systemd-modules-load, say it was not set now, and go on.
   */
  ifMissing?: 'fail' | 'persist'
}

/** What sysctl() takes, checked when the playbook loads (shape.ts). */
export const sysctlShape = object<SysctlOptions>({ ...taskOptionFields, key: required(string), value: required(oneOf(string, number)), file: string, apply: boolean, ifMissing: literal('fail', 'persist') })

/** What enableIpForward() takes: the common options and where to persist it. */
export const enableIpForwardShape = object<TaskOptions & { file?: string }>({ ...taskOptionFields, file: string })

const keyPattern = (key: string) => key.replace(/[.\/]/g, '[./]')

/** The file's text with `key = value` set: every assignment of the key rewritten, or one appended. */
export function setSysctlLine(text: string, key: string, value: string): string {
  const re = new RegExp(`^(\\s*)${keyPattern(key)}\\s*=.*$`)
  let found = false
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n')
  const out = lines.map((line) => {
    if (!re.test(line)) return line
    found = true
    return `${key} = ${value}`
  })
  if (!found) out.push(`${key} = ${value}`)
  return out.join('\n') + '\n'
}

/** The value a sysctl file gives the key (its last assignment wins), if any. */
export function persistedSysctl(text: string, key: string): string | undefined {
  const re = new RegExp(`^\\s*${keyPattern(key)}\\s*=\\s*(.*?)\\s*$`)
  let value: string | undefined
  for (const line of text.split('\n')) {
    const m = re.exec(line)
    if (m) value = normaliseSysctl(m[1])
  }
  return value
}

/**
 * @example
 * ```ts
 * sysctl({ key: 'net.bridge.bridge-nf-call-iptables', value: 0, file: '/etc/sysctl.d/90-bridge.conf' })
 * ```
 */
export function sysctl(opts: SysctlOptions): Task {
  checkOptions('sysctl', opts, sysctlShape)
  const key = sysctlKey(opts.key)
  const value = normaliseSysctl(String(opts.value))
  if (!value || /[\n=#;]/.test(String(opts.value))) {
    throw new KvmplayError('validation', `invalid sysctl value ${JSON.stringify(opts.value)} for ${key}: expected a single line without '=', '#' or ';'`)
  }
  const file = absolutePath(opts.file ?? '/etc/sysctl.conf', 'sysctl file')
  const apply = opts.apply ?? true
  return defineTask(
    {
      name: `sysctl ${key} = ${value}`,
      facts: () => ({ running: factRequest(sysctlFact, key), persisted: factRequest(fileFact, file) }),
      plan: async (host, { running, persisted }) => {
        const missing = running === undefined
        if (missing && opts.ifMissing !== 'persist') {
          throw new KvmplayError('validation', `${host.name}: kernel parameter ${key} does not exist (${procSysPath(key)} is missing): is the module loaded?`)
        }
        const steps: Step[] = []
        if (apply && !missing && running !== value) {
          steps.push(commandStep(`set ${key} = ${value} now (was ${running})`, sh`printf '%s\n' ${value} > ${procSysPath(key)}`, {
              // Every parameter, not only this one: setting one can change others (ip_forward sets each interface's forwarding).
              touches: [resource.sysctl()],
            }),
          )
        }
        const text = persisted.content ?? ''
        if (persistedSysctl(text, key) !== value) {
          steps.push(...planFile(fileWish({ path: file, content: setSysctlLine(text, key, value) }), persisted))
        }
        if (missing) {
          const note = `${key} does not exist now (${procSysPath(key)} is missing): not set now, only in ${file} for the next boot (ifMissing: 'persist')`
          return { steps, reason: note }
        }
        return { steps, reason: steps.length ? undefined : `${key} is ${value}, running and in ${file}` }
      },
    },
    opts,
  )
}

/**
 * IPv4 forwarding on, now and after a reboot: what a hypervisor routing or
 * NATing for its guests needs (the seed's `net.ipv4.ip_forward=1`).
 */
export function enableIpForward(opts: TaskOptions & { file?: string } = {}): Task {
  checkOptions('enableIpForward', opts, enableIpForwardShape)
  return sysctl({ name: 'enable IPv4 forwarding', ...opts, key: 'net.ipv4.ip_forward', value: 1 })
}
