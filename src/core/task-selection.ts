/**
 * Which of a host's tasks run, as ansible-playbook decides it: `--tags` and
 * `--skip-tags` against each task's `tags` (with Ansible's special tags:
 * `always` runs unless skipped by name, `never` only when asked for by a tag
 * of its own, `all`, `tagged`, `untagged`), then `--start-at-task` (a name
 * or a glob, the first match and everything after). Tasks left out are not
 * reported, as in Ansible; handlers are not filtered (they run when notified).
 */
import { KvmplayError } from './errors.ts'

export interface TaskSelection {
  /** --tags: run only tasks with one of these (default: all). */
  tags?: readonly string[]
  /** --skip-tags: never run tasks with one of these (wins over --tags). */
  skipTags?: readonly string[]
  /** --start-at-task: the name (or glob) of the first task to run. */
  startAt?: string
}

/** `-t a,b -t c` → ['a', 'b', 'c']: Ansible takes both commas and repeats. */
export const tagList = (values: readonly string[] | undefined): string[] | undefined =>
  values === undefined ? undefined : values.flatMap((v) => String(v).split(',')).map((t) => t.trim()).filter(Boolean)

/** Ansible's Taggable.evaluate_tags: whether a task with these tags runs under --tags / --skip-tags. */
export function tagsAllow(taskTags: readonly string[] | undefined, sel: TaskSelection): boolean {
  const tags = new Set(taskTags?.length ? taskTags : ['untagged'])
  const untagged = tags.size === 1 && tags.has('untagged')
  const any = (list: readonly string[]) => list.some((t) => tags.has(t))
  const only = sel.tags?.length ? sel.tags : ['all']
  let run =
    tags.has('always') ||
    (only.includes('all') && !tags.has('never')) ||
    any(only) ||
    (only.includes('tagged') && !untagged && !tags.has('never'))
  const skip = sel.skipTags ?? []
  if (run && skip.length) {
    if (skip.includes('all')) run = tags.has('always') && !skip.includes('always')
    else if (any(skip) || (skip.includes('tagged') && !untagged)) run = false
  }
  return run
}

/** fnmatch as Ansible applies it to --start-at-task: `*` and `?`, the rest literal. */
const globMatches = (pattern: string, name: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name)

export const startsHere = (pattern: string, name: string): boolean => name === pattern || globMatches(pattern, name)

/** The tasks that run, in order; throws when --start-at-task names none of them (as ansible-playbook does, before anything ran). */
export function selectTasks<T extends { name: string; tags?: readonly string[] }>(tasks: readonly T[], sel: TaskSelection, where = 'the playbook'): T[] {
  let from = 0
  if (sel.startAt !== undefined) {
    from = tasks.findIndex((t) => startsHere(sel.startAt!, t.name))
    if (from < 0) throw new KvmplayError('usage', `--start-at-task '${sel.startAt}': no task of ${where} is named so (its tasks: ${tasks.map((t) => t.name).join(', ') || 'none'})`)
  }
  return tasks.slice(from).filter((t) => tagsAllow(t.tags, sel))
}
