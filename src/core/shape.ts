/**
 * Declared shapes of options, checked at run time: TypeScript's types are
 * gone once a playbook runs (and `--no-typecheck`, or a plain .js playbook,
 * never had them), so each task declares the keys and value kinds it takes
 * and refuses anything else when the playbook loads — before any host is
 * contacted. An unknown key is named with the closest known one; a value of
 * the wrong kind is named with what is accepted. What a value means (an
 * interface name, an address) is still checked by validate.ts.
 */
import { KvmplayError } from './errors.ts'
import { closest } from './suggest.ts'

export interface Shape {
  /** What is accepted, for messages: "a string", "'static' or 'dhcp'". */
  readonly expected: string
  /** Adds a line to `issues` for each thing wrong with `value`, found at `at` ("mode", "dhcp.hosts[0].mac"). */
  check(value: unknown, at: string, issues: string[]): void
}

export type RequiredShape = Shape & { readonly required: true }
export type ObjectShape = Shape & { readonly fields: Readonly<Record<string, Shape>> }

/**
 * One shape per key of T, none missing and none extra (the compiler checks
 * it against the options' interface); a key T requires takes `required(…)`.
 */
export type Fields<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? Shape & { readonly required?: undefined } : RequiredShape }

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The value as a message shows it: short, and its kind plain. */
export function shown(v: unknown): string {
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'function') return 'a function'
  if (isPlainObject(v)) return 'an object'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v)
  return String(v)
}

function leaf(expected: string, ok: (v: unknown) => boolean): Shape {
  return { expected, check: (v, at, issues) => void (ok(v) || issues.push(`\`${at}\` must be ${expected}, not ${shown(v)}`)) }
}

export const string = leaf('a string', (v) => typeof v === 'string')
export const number = leaf('a number', (v) => typeof v === 'number' && !Number.isNaN(v))
export const boolean = leaf('true or false', (v) => typeof v === 'boolean')
export const func = leaf('a function', (v) => typeof v === 'function')
export const task = leaf('a task (such as file({ … }))', (v) => isPlainObject(v) && typeof v.plan === 'function')
export const unknownValue = leaf('anything', () => true)
export const regexp = leaf('a RegExp', (v) => v instanceof RegExp)

export const required = (s: Shape): RequiredShape => ({ ...s, required: true })
const isRequired = (s: Shape) => (s as Partial<RequiredShape>).required === true

/** Exactly one of these values. */
export function literal(...values: readonly (string | number | boolean)[]): Shape {
  const list = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)))
  const expected = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`
  return leaf(expected, (v) => values.includes(v as string))
}

export function listOf(item: Shape): Shape {
  return {
    expected: `a list (each ${item.expected})`,
    check(v, at, issues) {
      if (!Array.isArray(v)) return void issues.push(`\`${at}\` must be a list, not ${shown(v)}`)
      v.forEach((x, i) => item.check(x, `${at}[${i}]`, issues))
    },
  }
}

/** An object with any keys, each value of this shape (vars). */
export function record(value: Shape): Shape {
  return {
    expected: 'an object',
    check(v, at, issues) {
      if (!isPlainObject(v)) return void issues.push(`\`${at}\` must be an object, not ${shown(v)}`)
      for (const [k, x] of Object.entries(v)) value.check(x, `${at}.${k}`, issues)
    },
  }
}

/** An object of these keys only: an unknown one is named with the closest known one. */
export function object<T>(fields: Fields<T>, expected = 'an object'): ObjectShape {
  const known = fields as Readonly<Record<string, Shape>>
  return {
    expected,
    fields: known,
    check(v, at, issues) {
      const key = (k: string) => (at ? `${at}.${k}` : k)
      if (!isPlainObject(v)) return void issues.push(`${at ? `\`${at}\`` : 'the options'} must be ${expected}, not ${shown(v)}`)
      const meant = new Set<string>()
      for (const k of Object.keys(v)) {
        if (k in known) continue
        const near = closest(k, Object.keys(known).filter((n) => !(n in v)))
        if (near) meant.add(near)
        issues.push(near ? `unknown option \`${key(k)}\`: did you mean \`${key(near)}\`?` : `unknown option \`${key(k)}\` (known: ${Object.keys(known).join(', ')})`)
      }
      for (const [k, s] of Object.entries(known)) {
        // A required key misspelt is said once, as the misspelling.
        if (v[k] === undefined) isRequired(s) && !meant.has(k) && issues.push(`\`${key(k)}\` is missing: ${s.expected}`)
        else s.check(v[k], key(k), issues)
      }
    },
  }
}

/** How far a value is from an object shape: its keys that shape does not know, a near miss counting less. */
const distance = (s: Shape, v: unknown): number => {
  const fields = (s as Partial<ObjectShape>).fields
  if (!fields || !isPlainObject(v)) return Infinity
  return Object.keys(v).reduce((n, k) => n + (k in fields ? 0 : closest(k, Object.keys(fields)) ? 1 : 3), 0)
}

/** Any one of these shapes; a value none accepts is told what the nearest one wanted. */
export function oneOf(...shapes: Shape[]): Shape {
  const expected = shapes.map((s) => s.expected).join(' or ')
  return {
    expected,
    check(v, at, issues) {
      const tries = shapes.map((s) => {
        const own: string[] = []
        s.check(v, at, own)
        return { s, own }
      })
      if (tries.some((t) => t.own.length === 0)) return
      // An object none accepts: the errors of the object shape it is nearest to (its keys), which can say "did you mean".
      const near = tries.filter((t) => distance(t.s, v) < Infinity).sort((a, b) => distance(a.s, v) - distance(b.s, v))[0]
      if (near) issues.push(...near.own)
      else issues.push(`\`${at}\` must be ${expected}, not ${shown(v)}`)
    },
  }
}

/**
 * Checks a task's options against its shape, throwing one validation error
 * that lists everything wrong: "persistBridge: unknown option `bridg`: did you mean `bridge`?".
 */
export function checkOptions(taskName: string, options: unknown, shape: Shape): void {
  const issues: string[] = []
  shape.check(options, '', issues)
  if (issues.length) throw new KvmplayError('validation', `${taskName}: ${issues.join('; ')}`)
}
