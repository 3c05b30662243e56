/**
 * Runs a task's steps. Consecutive steps that are plain remote commands
 * (Step.shell) go to the host through one execMany: one exec for the lot,
 * each step still in its own subshell with its own stdin and exit code; the
 * first failure stops the rest, and reads exactly as it would have alone.
 * A step that can act natively (libvirt's API) does so where the host
 * allows; a cutover step gets the host's reach instead of a connection.
 */
import { execMany } from '../connection/exec-many.ts'
import type { Connection } from '../connection/types.ts'
import type { HostRuntime } from './host.ts'
import { commandFailed } from './step.ts'
import { isReachStep } from './task.ts'
import type { ConnectionStep, Step } from './task.ts'

type ShellStep = ConnectionStep & { shell: { command: string; stdin?: string } }
const isShellStep = (s: ConnectionStep): s is ShellStep => !!s.shell

/** What running steps needs of the host: its connection, its reach, a place to note the files changed. */
export type StepHost = Pick<HostRuntime, 'name' | 'connection' | 'reach' | 'recordOriginal'>

async function runShellSteps(conn: Connection, steps: ShellStep[]): Promise<void> {
  const results = await execMany(conn, steps.map((s) => ({ ...s.shell, label: s.summary })), { stopAtFailure: true })
  for (const [i, res] of results.entries()) if (res.code !== 0) throw commandFailed(conn.host, steps[i].summary, res)
}

/**
 * Runs the steps in order; each one (or run of shell steps) on the host's
 * connection as it is then: a cutover may have replaced it. Resolves with the
 * notes the steps left for the task's result.
 */
export async function runSteps(steps: Step[], host: StepHost): Promise<string[]> {
  const notes: string[] = []
  const ctx = { host: host.name }
  const shell: ShellStep[] = []
  const flush = async () => {
    if (shell.length) await runShellSteps(await host.connection(), shell.splice(0))
  }
  for (const step of steps) {
    if (step.original) host.recordOriginal(step.original)
    for (const o of step.originals ?? []) host.recordOriginal(o)
    if (isReachStep(step)) {
      await flush()
      const note = await step.reach(host.reach)
      if (note) notes.push(note)
      continue
    }
    if (step.native) {
      // What came before runs first; a native step that cannot joins the shell steps.
      await flush()
      if (await step.native(await host.connection(), ctx)) continue
    }
    if (isShellStep(step)) {
      shell.push(step)
      continue
    }
    await flush()
    await step.run(await host.connection(), ctx)
  }
  await flush()
  return notes
}
