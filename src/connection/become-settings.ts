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

export function checkBecomeMethod(method: string, where: string): BecomeMethod {
  if (!(BECOME_METHODS as readonly string[]).includes(method)) {
    throw new KvmplayError('usage', `${where}: become method '${method}' is not supported (use ${BECOME_METHODS.join(', ')})`)
  }
  return method as BecomeMethod
}

/** The host's escalation, or undefined when its commands run as the login user. */
export function becomeFor(host: string, vars: Record<string, unknown>, play: BecomeOptions, cli: BecomeOptions, password?: string): Become | undefined {
  const on = vars.ansible_become !== undefined ? truthy(vars.ansible_become) : (play.become ?? cli.become ?? false)
  if (!on) return undefined
  const fromVars = str(vars.ansible_become_method)
  const method = checkBecomeMethod(fromVars ?? play.becomeMethod ?? cli.becomeMethod ?? 'sudo', fromVars ? `host ${host}: ansible_become_method` : `host ${host}`)
  const user = str(vars.ansible_become_user) ?? play.becomeUser ?? cli.becomeUser ?? 'root'
  return { method, user, password: str(vars.ansible_become_password) ?? str(vars.ansible_become_pass) ?? password }
}
