/**
 * The one seam to Handlebars. Templates are strict: a variable the template
 * uses but the caller did not give is an error naming it, never an empty
 * string in a network config.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import Handlebars from 'handlebars'
import { KvmplayError } from './core/errors.ts'
import { PACKAGE_ROOT } from './paths.ts'

/** templates/ at the package root: the built-in templates. */
export const BUILTIN_TEMPLATES = join(PACKAGE_ROOT, 'templates')

export class TemplateError extends KvmplayError {
  constructor(message: string) {
    super('template', message)
  }
}

const hb = Handlebars.create()
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b)
hb.registerHelper('inc', (n: number) => n + 1)
const compiled = new Map<string, HandlebarsTemplateDelegate>()

/** First existing `name` in `dirs` (earlier dirs override later ones), then the built-ins. */
export function findTemplate(name: string, dirs: string[] = []): string {
  for (const dir of [...dirs, BUILTIN_TEMPLATES]) {
    const path = join(dir, name)
    if (existsSync(path)) return path
  }
  throw new TemplateError(`template '${name}' not found in ${[...dirs, BUILTIN_TEMPLATES].join(', ')}`)
}

export function renderString(source: string, vars: object, label = 'inline template'): string {
  let template = compiled.get(source)
  if (!template) {
    template = hb.compile(source, { strict: true, noEscape: true })
    compiled.set(source, template)
  }
  try {
    return template(vars)
  } catch (err) {
    const m = /"([^"]+)" not defined/.exec(String((err as Error).message))
    if (m) throw new TemplateError(`${label}: variable '${m[1]}' is not defined; pass it in the template's vars`)
    throw new TemplateError(`${label}: ${(err as Error).message}`)
  }
}

export function renderTemplate(name: string, vars: object, dirs: string[] = []): string {
  const path = findTemplate(name, dirs)
  return renderString(readFileSync(path, 'utf8'), vars, path)
}
