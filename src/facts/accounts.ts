/**
 * A user and a group as the host's name service gives them (getent, so LDAP
 * or sssd users count as they do for login), and the groups the user is in
 * (id -Gn: the primary group too).
 */
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import { KvmplayError } from '../core/errors.ts'
import { sections } from './sections.ts'
import type { Fact } from './fact.ts'

export interface MembershipState {
  userExists: boolean
  groupExists: boolean
  /** The user's groups, by name (empty where the user does not exist). */
  groups: string[]
}

export interface MembershipArgs {
  user: string
  group: string
}

export function parseMembership(text: string): MembershipState {
  const s = sections(text)
  return {
    userExists: (s.get('user') ?? []).length > 0,
    groupExists: (s.get('group') ?? []).length > 0,
    groups: (s.get('groups') ?? []).join(' ').split(/\s+/).filter(Boolean),
  }
}

export const membershipFact: Fact<MembershipState, MembershipArgs> = {
  name: 'group-membership',
  describe: ({ user, group }) => `${user} in group ${group}`,
  reads: () => [resource.accounts],
  command: ({ user, group }) =>
    [`echo '#user'; ${sh`getent passwd -- ${user}`}`, `echo '#group'; ${sh`getent group -- ${group}`}`, `echo '#groups'; ${sh`id -Gn -- ${user}`} 2>/dev/null`, 'exit 0'].join('\n'),
  parse: (res) => {
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read users and groups (exit ${res.code}): ${res.stderr.trim()}`)
    return parseMembership(res.stdout)
  },
}
