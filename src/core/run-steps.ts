/**
 * Runs a task's steps. Consecutive steps that are plain remote commands
 * (Step.shell) go to the host as one script in one exec: each exec costs the
 * host an sshd fork and a shell start, which on a busy hypervisor is most of
 * a small step's cost. Each step still runs in its own subshell, with its
 * own stdin, its exit code reported; the first failure stops the rest, and
 * reads exactly as it would have alone.
 */
import { randomBytes } from 'node:crypto'
import type { Connection } from '../connection/types.ts'
import { frameAfter, splitFramed } from '../connection/framing.ts'
import { KvmplayError } from './errors.ts'
import { commandFailed } from './step.ts'
import type { Step, StepContext } from './task.ts'

/** Past this, a script is sent as several execs: an SSH exec request is one packet. */
const MAX_SCRIPT_BYTES = 16 * 1024

type ShellStep = Step & { shell: { command: string; stdin?: string } }

/** A here-document reproduces stdin exactly only when it ends in a newline and holds no line equal to the tag. */
const batchable = (s: Step, tag: string): s is ShellStep =>
  !!s.shell && (s.shell.stdin === undefined || (s.shell.stdin.endsWith('\n') && !s.shell.stdin.split('\n').includes(tag)))

export function batchScript(steps: ShellStep[], marker: string, tag: string): string {
  return steps
    .map((s, i) => {
      const input = s.shell.stdin === undefined ? '</dev/null' : `<<'${tag}'\n${s.shell.stdin}${tag}`
      return [`(\n${s.shell.command}\n) ${input}`, frameAfter(marker, i), '[ $rc -eq 0 ] || exit 0'].join('\n')
    })
    .join('\n')
}

async function runBatch(conn: Connection, steps: ShellStep[], ctx: StepContext, tag: string): Promise<void> {
  for (const s of steps) s.prepare?.(ctx)
  const marker = `@@KVMPLAY-STEP-${randomBytes(6).toString('hex')}`
  const out = await conn.exec(batchScript(steps, marker, tag))
  const results = splitFramed(out, marker)
  for (const [i, res] of results.entries()) if (res.code !== 0) throw commandFailed(conn.host, steps[i].summary, res)
  if (results.length < steps.length) {
    const err = out.stderr.trim() || out.stdout.trim()
    throw new KvmplayError('command', `${conn.host}: ${steps[results.length].summary} did not finish (exit ${out.code})${err ? `: ${err}` : ''}`)
  }
}

/**
 * Runs the steps in order: natively where a step can and the host allows,
 * else consecutive batchable steps together (up to the size bound), and any
 * other step alone.
 */
export async function runSteps(steps: Step[], connection: () => Promise<Connection>, ctx: StepContext): Promise<void> {
  const rest: Step[] = []
  for (const step of steps) {
    if (step.native) {
      // What came before runs first; a native step that cannot joins the rest.
      await runShellSteps(rest.splice(0), connection, ctx)
      if (await step.native(await connection(), ctx)) continue
    }
    rest.push(step)
  }
  await runShellSteps(rest, connection, ctx)
}

async function runShellSteps(steps: Step[], connection: () => Promise<Connection>, ctx: StepContext): Promise<void> {
  const tag = `KVMPLAY_STDIN_${randomBytes(6).toString('hex')}`
  for (let i = 0; i < steps.length; ) {
    const group: ShellStep[] = []
    let bytes = 0
    for (let s = steps[i]; s && batchable(s, tag); s = steps[i + group.length]) {
      const size = s.shell.command.length + (s.shell.stdin?.length ?? 0) + 200
      if (group.length && bytes + size > MAX_SCRIPT_BYTES) break
      group.push(s)
      bytes += size
    }
    // Each step (or group) gets the current connection: a cutover step may have replaced it.
    const conn = await connection()
    if (group.length > 1) {
      await runBatch(conn, group, ctx, tag)
      i += group.length
    } else {
      steps[i].prepare?.(ctx)
      await steps[i].run(conn, ctx)
      i++
    }
  }
}
