/**
 * template: a file rendered from a Handlebars template. Rendered locally,
 * before any step runs on the host, from the host's vars (inventory <
 * playbook < -e) and the task's own vars; a variable the template uses but
 * nobody gave is an error naming it. A templates/ folder beside the playbook
 * overrides the built-in templates/.
 */
import { join } from 'node:path'
import { defineTask } from '../src/core/task.ts'
import type { Task, TaskOptions } from '../src/core/task.ts'
import type { Host } from '../src/core/host.ts'
import { renderTemplate } from '../src/render.ts'
import { fileFact } from '../src/facts/file.ts'
import { factRequest } from '../src/facts/fact.ts'
import { planFileOn, fileWish } from './file.ts'
import type { FileOptions } from './file.ts'
import { fileAttributeFields } from './file.ts'
import { checkOptions, func, object, oneOf, record, required, string, unknownValue } from '../src/core/shape.ts'

export interface TemplateOptions extends Omit<FileOptions, 'content' | 'path' | 'state'> {
  /** Template name, looked up in the playbook's templates/ first, then kvmplay's. */
  src: string
  /** Absolute path on the host. */
  dest: string
  /** Vars for this template, over the host's vars; a function to compute them per host. */
  vars?: Record<string, unknown> | ((host: Host) => Record<string, unknown>)
}

/** What template() takes, checked when the playbook loads (shape.ts). */
export const templateShape = object<TemplateOptions>({ ...fileAttributeFields, src: required(string), dest: required(string), vars: oneOf(record(unknownValue), func) })

/**
 * @example
 * ```ts
 * template({ src: 'motd.hbs', dest: '/etc/motd', vars: { site: 'par1' } })
 * ```
 */
export function template(opts: TemplateOptions): Task {
  checkOptions('template', opts, templateShape)
  const base = fileWish({ ...opts, path: opts.dest, content: '' })
  const rendered = new Map<string, string>()
  const render = (host: Host) => {
    const own = typeof opts.vars === 'function' ? opts.vars(host) : (opts.vars ?? {})
    return renderTemplate(opts.src, { ...host.vars, ...own, inventory_hostname: host.name }, [join(host.playbookDir, 'templates')])
  }
  return defineTask(
    {
      name: `template ${opts.src} → ${base.path}`,
      facts: () => [factRequest(fileFact, base.path)],
      prepare: (host) => void rendered.set(host.name, render(host)),
      plan: (host) => planFileOn(host, { ...base, content: rendered.get(host.name) ?? render(host) }),
    },
    opts,
  )
}
