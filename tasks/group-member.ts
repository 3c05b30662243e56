/**
 * groupMember: a user in a supplementary group — the admin in `libvirt`, so
 * virsh works without root — added with usermod -aG (the user's other groups
 * kept). The user must exist, or is created with `create: true`.
 */
import { defineTask } from '../src/core/task.ts'
import type { Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { membershipFact } from '../src/facts/accounts.ts'
import { commandStep } from '../src/core/step.ts'
import { resource } from '../src/core/resource.ts'
import { sh } from '../src/core/quote.ts'
import { owner as ownerName } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { boolean, checkOptions, object, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface GroupMemberOptions extends TaskOptions {
  user: string
  group: string
  /** Create the user (with a home directory) where it does not exist. Default false: a missing user is an error. */
  create?: boolean
}

/** What groupMember() takes, checked when the playbook loads (shape.ts). */
export const groupMemberShape = object<GroupMemberOptions>({ ...taskOptionFields, user: required(string), group: required(string), create: boolean })

/**
 * @example
 * ```ts
 * groupMember({ user: 'admin', group: 'libvirt' })
 * groupMember({ user: 'ops', group: 'kvm', create: true })
 * ```
 */
export function groupMember(opts: GroupMemberOptions): Task {
  checkOptions('groupMember', opts, groupMemberShape)
  const user = ownerName(opts.user, 'user')
  const group = ownerName(opts.group, 'group')
  const touches = [resource.accounts, resource.path('/etc/passwd'), resource.path('/etc/group'), resource.path('/etc/gshadow')]
  return defineTask(
    {
      name: `${user} in group ${group}`,
      facts: () => ({ m: factRequest(membershipFact, { user, group }) }),
      plan: (host, { m }) => {
        // A group its package has not created yet (a --check of a bare host): planned, and said; the real run fails if it is still missing.
        const note = m.groupExists ? undefined : `group ${group} does not exist yet: planned as if an earlier task (its package) creates it`
        if (!m.userExists) {
          if (!opts.create) throw new KvmplayError('precondition', `${host.name}: user ${user} does not exist: create it first, or set create: true`)
          return { steps: [commandStep(`create user ${user} in group ${group}`, sh`useradd --create-home --groups ${group} -- ${user}`, { touches })], reason: note }
        }
        if (m.groups.includes(group)) return { steps: [], reason: `${user} is in group ${group}` }
        const step = commandStep(`add ${user} to group ${group} (it takes effect at ${user}'s next login)`, sh`usermod --append --groups ${group} -- ${user}`, { touches })
        return { steps: [step], reason: note }
      },
    },
    opts,
  )
}
