/**
 * `kvmplay run`'s first check, before the playbook loads or any host is
 * contacted: its types (src/core/typecheck.ts), unless --no-typecheck; and
 * `--syntax-check`, which stops after the checks: types, then loading the
 * playbook, which builds its tasks and so checks each one's options.
 */
import { checkPlaybookTypes } from '../core/typecheck.ts'
import type { TypecheckResult } from '../core/typecheck.ts'
import { loadPlaybook } from '../core/load-playbook.ts'

/** Throws on a type error; says so on stderr where the playbook could not be checked. */
export async function checkTypesFirst(playbook: string, enabled = true): Promise<TypecheckResult | undefined> {
  if (!enabled) return undefined
  const { warning, result } = await checkPlaybookTypes(playbook)
  if (warning) process.stderr.write(`kvmplay: ${warning}\n`)
  return result
}

const typesLine = (r: TypecheckResult | undefined) =>
  !r ? 'types not checked (--no-typecheck)' : r.skipped ? `types not checked (${r.skipped})` : `types checked in ${r.ms} ms${r.cached ? ' (unchanged since it last passed)' : ''}`

/** --syntax-check: the checks of a run, and nothing after them; throws as a run would. */
export async function syntaxCheck(args: { playbook: string; typecheck?: boolean }): Promise<void> {
  const types = await checkTypesFirst(args.playbook, args.typecheck)
  const { playbook, file } = await loadPlaybook(args.playbook)
  const tasks = typeof playbook.tasks === 'function' ? 'tasks chosen per host' : `${playbook.tasks.length} task(s)`
  console.log(`playbook: ${file}\n  ${playbook.name}: ${tasks}, their options checked; ${typesLine(types)}; nothing run, no host contacted`)
}
