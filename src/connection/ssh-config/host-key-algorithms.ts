/**
 * HostKeyAlgorithms as OpenSSH reads it (readconf.c, then kex_assemble_names
 * in kex.c): a list of names and `*`/`?` patterns; `+list` appends to the
 * default, `-list` removes what its patterns match from it, `^list` puts it
 * first. Every pattern is expanded against all algorithms OpenSSH knows, in
 * OpenSSH's order, duplicates dropped — so the result is what `ssh -G`
 * prints, less what kvmplay cannot verify (certificates, security keys).
 * The default it works from is kvmplay's own (ssh2's), not OpenSSH's.
 *
 * ssh orders the list by what known_hosts holds only when the user left
 * the order to it: no HostKeyAlgorithms, or one starting with + or -.
 */
import { DEFAULT_HOST_KEY_ALGORITHMS, SUPPORTED_HOST_KEY_ALGORITHMS } from '../host-key-algorithms.ts'
import { globRegExp } from './file.ts'

/** `ssh -Q HostKeyAlgorithms` of OpenSSH 9.2, in its order: the names a config may use. */
const OPENSSH_HOST_KEY_ALGORITHMS = (
  'ssh-ed25519 ssh-ed25519-cert-v01@openssh.com sk-ssh-ed25519@openssh.com sk-ssh-ed25519-cert-v01@openssh.com ' +
  'ecdsa-sha2-nistp256 ecdsa-sha2-nistp256-cert-v01@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp384-cert-v01@openssh.com ' +
  'ecdsa-sha2-nistp521 ecdsa-sha2-nistp521-cert-v01@openssh.com sk-ecdsa-sha2-nistp256@openssh.com ' +
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com webauthn-sk-ecdsa-sha2-nistp256@openssh.com ssh-dss ssh-dss-cert-v01@openssh.com ' +
  'ssh-rsa ssh-rsa-cert-v01@openssh.com rsa-sha2-256 rsa-sha2-256-cert-v01@openssh.com rsa-sha2-512 rsa-sha2-512-cert-v01@openssh.com'
).split(' ')

export interface HostKeyAlgorithms {
  /** What to offer, most wanted first. */
  list: string[]
  /** Whether the algorithms of the key types known_hosts holds for the host go first (ssh's order_hostkeyalgs). */
  preferKnown: boolean
}

export const DEFAULT_HOST_KEY_ORDER: HostKeyAlgorithms = { list: [...DEFAULT_HOST_KEY_ALGORITHMS], preferKnown: true }

const matching = (pattern: string) => {
  const re = globRegExp(pattern)
  return OPENSSH_HOST_KEY_ALGORITHMS.filter((a) => re.test(a))
}

/** The value of a HostKeyAlgorithms setting; `refuse` makes the error (with file:line) for what ssh would refuse. */
export function parseHostKeyAlgorithms(value: string, refuse: (what: string) => Error): HostKeyAlgorithms {
  const op = '+-^'.includes(value[0]) ? value[0] : ''
  const names = value.slice(op.length).split(',').filter(Boolean)
  // ssh checks every name but those of a - list, which only remove.
  const bad = op === '-' ? undefined : names.find((n) => n.startsWith('!') || matching(n).length === 0)
  if (bad !== undefined) {
    throw refuse(`HostKeyAlgorithms '${value}': ${bad.startsWith('!') ? `'${bad}': negation is not allowed here` : `unknown algorithm '${bad}'`} (ssh -Q HostKeyAlgorithms lists them)`)
  }
  const def = DEFAULT_HOST_KEY_ALGORITHMS
  const patterns =
    op === '+' ? [...def, ...names] : op === '^' ? [...names, ...def] : op === '-' ? def.filter((a) => !names.some((n) => globRegExp(n).test(a))) : names
  const list: string[] = []
  for (const p of patterns) for (const a of matching(p)) if (!list.includes(a) && SUPPORTED_HOST_KEY_ALGORITHMS.includes(a)) list.push(a)
  if (list.length === 0) {
    throw refuse(`HostKeyAlgorithms '${value}' leaves no algorithm kvmplay can verify (it checks plain host keys: ${SUPPORTED_HOST_KEY_ALGORITHMS.join(', ')})`)
  }
  return { list, preferKnown: op === '+' || op === '-' }
}
