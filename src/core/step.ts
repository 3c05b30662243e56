/** Steps that run one remote command and fail with the host, command, exit code and stderr. */
import type { Connection, ExecResult } from '../connection/types.ts'
import { KvmplayError } from './errors.ts'
import type { FileDiff, Step } from './task.ts'

/** "h1: WHAT failed (exit N): what it printed", for a command that exited non-zero. */
export function commandFailed(host: string, what: string, res: ExecResult): KvmplayError {
  const err = res.stderr.trim() || res.stdout.trim()
  return new KvmplayError('command', `${host}: ${what} failed (exit ${res.code})${err ? `: ${err}` : ''}`)
}

export async function runChecked(conn: Connection, command: string, what: string, stdin?: string): Promise<string> {
  const res = await conn.exec(command, { stdin })
  if (res.code !== 0) throw commandFailed(conn.host, what, res)
  return res.stdout
}

/** Guards (`unless`, `onlyIf`) run the user's commands, which may read anything: any change can flip them. */
export const ALWAYS_STALE = ['succeeds:'] as const

export function commandStep(summary: string, command: string, opts: { stdin?: string; diff?: FileDiff; invalidates?: readonly string[] } = {}): Step {
  return {
    summary,
    diff: opts.diff,
    invalidates: opts.invalidates && [...opts.invalidates, ...ALWAYS_STALE],
    shell: { command, stdin: opts.stdin },
    run: async (conn) => void (await runChecked(conn, command, summary, opts.stdin)),
  }
}
