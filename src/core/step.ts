/** Steps that run one remote command and fail with the host, command, exit code and stderr. */
import type { Connection, ExecResult } from '../connection/types.ts'
import { KvmplayError } from './errors.ts'
import type { Resource } from './resource.ts'
import type { ConnectionStep, FileDiff, FileOriginal } from './task.ts'

/** "h1: WHAT failed (exit N): what it printed", for a command that exited non-zero. */
export function commandFailed(host: string, what: string, res: ExecResult): KvmplayError {
  const err = res.stderr.trim() || res.stdout.trim()
  return new KvmplayError('command', `${host}: ${what} failed (exit ${res.code})${err ? `: ${err}` : ''}`)
}

export async function runChecked(conn: Connection, command: string, what: string, stdin?: string): Promise<string> {
  const res = await conn.exec(command, { stdin, label: what })
  if (res.code !== 0) throw commandFailed(conn.host, what, res)
  return res.stdout
}

export interface CommandStepOptions {
  stdin?: string
  diff?: FileDiff
  /** What the command can change; left out, anything (every fact is read again). */
  touches?: readonly Resource[]
  /** The file the command changes, as it was (for a cutover's rollback). */
  original?: FileOriginal
}

/** A step that is one remote command: it batches with its neighbours. */
export function commandStep(summary: string, command: string, opts: CommandStepOptions = {}): ConnectionStep {
  return {
    summary,
    diff: opts.diff,
    touches: opts.touches,
    original: opts.original,
    shell: { command, stdin: opts.stdin },
    run: async (conn) => void (await runChecked(conn, command, summary, opts.stdin)),
  }
}
