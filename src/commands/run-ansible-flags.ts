/**
 * The flags of ansible-playbook that kvmplay run takes with Ansible's
 * meanings: the listings, task selection (--tags, --skip-tags,
 * --start-at-task, --step), the login (-u, --private-key, -k) and the
 * output's grouping (--output tasks, kvmplay's own).
 */
import type { Argv } from 'yargs'
import { tagList } from '../core/task-selection.ts'
import type { TaskSelection } from '../core/task-selection.ts'

export interface AnsibleFlagArgs {
  listHosts?: boolean
  listTasks?: boolean
  listTags?: boolean
  tags?: string[]
  skipTags?: string[]
  startAtTask?: string
  step?: boolean
  user?: string
  privateKey?: string
  askPass?: boolean
  output?: 'hosts' | 'tasks'
}

export function ansibleFlagOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('list-hosts', { type: 'boolean', describe: 'List the hosts the run would work on (after --limit), and stop: nothing is contacted' })
    .option('list-tasks', { type: 'boolean', describe: 'List the tasks that would run (after --tags, --skip-tags, --start-at-task), and stop' })
    .option('list-tags', { type: 'boolean', describe: "List the tasks' tags, and stop" })
    .option('tags', { alias: 't', type: 'string', array: true, describe: "Run only the tasks tagged so (a,b or repeated; 'always' tasks run too, 'never' ones only when named)" })
    .option('skip-tags', { type: 'string', array: true, describe: 'Run no task tagged so (wins over --tags)' })
    .option('start-at-task', { type: 'string', describe: 'Start at the first task of this name (a glob: *, ?); the tasks before it do not run' })
    .option('step', { type: 'boolean', describe: 'Ask before each task on each host: (N)o/(y)es/(c)ontinue (from standard input)' })
    .option('user', { alias: 'u', type: 'string', describe: "Log in as this user where the inventory names none (its ansible_user wins, as in Ansible)" })
    .option('private-key', { alias: 'key-file', type: 'string', describe: "SSH private key file where the inventory names none (its ansible_ssh_private_key_file wins)" })
    .option('ask-pass', { alias: 'k', type: 'boolean', describe: 'Ask for the SSH password once, on the terminal (no echo), for hosts whose inventory gives none' })
    .option('output', { type: 'string', choices: ['hosts', 'tasks'], describe: "hosts: each result a line as it comes (default); tasks: Ansible's grouping, a TASK [name] header, then each host's result" })
}

export const selectionOf = (args: AnsibleFlagArgs): TaskSelection => ({ tags: tagList(args.tags), skipTags: tagList(args.skipTags), startAt: args.startAtTask })

export const listing = (args: AnsibleFlagArgs) => (args.listHosts || args.listTasks || args.listTags ? { hosts: args.listHosts, tasks: args.listTasks, tags: args.listTags } : undefined)

/**
 * -u and --private-key as Ansible applies them: under the inventory's own
 * connection vars (ansible_user / ansible_ssh_user, ansible_ssh_private_key_file /
 * ansible_private_key_file win), over ssh_config (they reach ssh as its
 * command line's -o User / IdentityFile).
 */
export function withLoginDefaults(vars: Record<string, unknown>, args: Pick<AnsibleFlagArgs, 'user' | 'privateKey'>): Record<string, unknown> {
  const out = { ...vars }
  if (args.user !== undefined && out.ansible_user === undefined && out.ansible_ssh_user === undefined) out.ansible_user = args.user
  if (args.privateKey !== undefined && out.ansible_ssh_private_key_file === undefined && out.ansible_private_key_file === undefined) out.ansible_private_key_file = args.privateKey
  return out
}
