/**
 * Who a host's commands run as: Ansible's become settings, merged as Ansible
 * merges them — the command line (-b, --become-method, --become-user) under
 * the play's keywords, under the host's connection vars (ansible_become,
 * ansible_become_method, ansible_become_user), -e above all (it is in the
 * vars). The password is the run's (-K or --become-password-file, asked or
 * read once for every host), unless the host's vars carry one.
 */
import { KvmplayError } from '../core/errors.ts'
import { BECOME_METHODS } from './become.ts'
import type { Become, BecomeMethod } from './become.ts'

export interface BecomeOptions {
  become?: boolean
  becomeMethod?: string
  becomeUser?: string
}

const truthy = (v: unknown) => v === true || v === 1 || (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v.trim()))
const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v))

const VALUE_FIX = 'Remove it from the value (in YAML, a block scalar `|` adds a trailing newline: use `|-` or a quoted string).'
const UNSAFE_IN_PASSWORD: Record<string, string> = { '\n': 'a line break (\\n)', '\r': 'a carriage return (\\r)', '\0': 'a NUL byte' }

/**
 * A become password is written to the escalation's stdin followed by a
 * newline. A line break in it (\r too: doas and su read a terminal, where
 * CR ends the line) would end the password early and leave the rest for the
 * escalated shell to read as commands; a NUL ends it where C strings end.
 * So such a password is refused before any host is contacted — saying where
 * it came from and what is wrong, never what it is.
 */
export function checkBecomePassword(password: string | undefined, where: string, fix = VALUE_FIX): string | undefined {
  const bad = password === undefined ? undefined : /[\r\n\0]/.exec(password)?.[0]
  if (bad === undefined) return password
  throw new KvmplayError(
    'validation',
    `${where}: the become password contains ${UNSAFE_IN_PASSWORD[bad]}, which would end it early and pass the rest to the escalated shell as commands; ` +
      `refusing to use it. ${fix}`,
  )
}

/** The host's own password (ansible_become_password, else ansible_become_pass), checked whether or not the host becomes: a task may. */
function hostPassword(host: string, vars: Record<string, unknown>): string | undefined {
  const name = str(vars.ansible_become_password) !== undefined ? 'ansible_become_password' : 'ansible_become_pass'
  return checkBecomePassword(str(vars[name]), `host ${host}: ${name}`)
}

export function checkBecomeMethod(method: string, where: string): BecomeMethod {
  if (!(BECOME_METHODS as readonly string[]).includes(method)) {
    throw new KvmplayError('usage', `${where}: become method '${method}' is not supported (use ${BECOME_METHODS.join(', ')})`)
  }
  return method as BecomeMethod
}

/** The host's escalation, or undefined when its commands run as the login user. */
export function becomeFor(host: string, vars: Record<string, unknown>, play: BecomeOptions, cli: BecomeOptions, password?: string): Become | undefined {
  const own = hostPassword(host, vars)
  const on = vars.ansible_become !== undefined ? truthy(vars.ansible_become) : (play.become ?? cli.become ?? false)
  if (!on) return undefined
  const fromVars = str(vars.ansible_become_method)
  const method = checkBecomeMethod(fromVars ?? play.becomeMethod ?? cli.becomeMethod ?? 'sudo', fromVars ? `host ${host}: ansible_become_method` : `host ${host}`)
  const user = str(vars.ansible_become_user) ?? play.becomeUser ?? cli.becomeUser ?? 'root'
  return { method, user, password: own ?? password }
}
