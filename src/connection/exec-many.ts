/**
 * Many commands, as few round trips as they can take: the one transport
 * primitive for fact batches and step batches alike (and the one place that
 * wraps them for the host). Consecutive commands go as one shell script,
 * each in its own subshell with its own stdin (a here-document) and exit
 * code, told apart by framing.ts; each exec saved is an sshd fork and a
 * shell start on the host, most of a small command's cost there.
 */
import { randomBytes } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'
import { framedCommand, splitFramed } from './framing.ts'
import type { Connection, ExecResult } from './types.ts'

export interface Command {
  command: string
  stdin?: string
  /** Names the command in an error ("write /etc/hosts"); default: its place in the list. */
  label?: string
}

export interface ExecManyOptions {
  /** Stop at the first command that exits non-zero: the results end with it. */
  stopAtFailure?: boolean
  /** Each exec's deadline (default: the connection's --command-timeout). */
  timeoutMs?: number
}

/** Past this, a script is sent as several execs: an SSH exec request is one packet. */
const MAX_SCRIPT_BYTES = 16 * 1024

/**
 * A here-document reproduces stdin exactly only when it ends in a newline and
 * holds no line equal to the tag — and no NUL: the script is a command line,
 * which ends at the first NUL (sshd's exec), or is refused (a local spawn).
 */
const batchable = (c: Command, tag: string) =>
  c.stdin === undefined || (c.stdin.endsWith('\n') && !c.stdin.includes('\0') && !c.stdin.split('\n').includes(tag))

/** The shell script that runs these commands in order, each framed; with `stop`, the first failure ends it. */
export function manyScript(commands: Command[], marker: string, tag: string, stop: boolean): string {
  return commands
    .map((c, i) => {
      const input = c.stdin === undefined ? '</dev/null' : `<<'${tag}'\n${c.stdin}${tag}`
      return framedCommand(`\n${c.command}`, marker, i, input) + (stop ? '\n[ $rc -eq 0 ] || exit 0' : '')
    })
    .join('\n')
}

/** Consecutive batchable commands, up to the size bound; any other command alone. */
function groups(commands: Command[], tag: string): Command[][] {
  const out: Command[][] = []
  let bytes = 0
  for (const c of commands) {
    const size = c.command.length + (c.stdin?.length ?? 0) + 200
    const last = out.at(-1)
    if (last && batchable(c, tag) && batchable(last[0], tag) && bytes + size <= MAX_SCRIPT_BYTES) {
      last.push(c)
      bytes += size
    } else {
      out.push([c])
      bytes = size
    }
  }
  return out
}

async function runGroup(conn: Connection, group: Command[], tag: string, stop: boolean, offset: number, total: number, timeoutMs?: number): Promise<ExecResult[]> {
  // One command needs no framing: every exec already gets a subshell of its own, with its own stdin.
  if (group.length === 1) return [await conn.exec(group[0].command, { stdin: group[0].stdin, label: group[0].label, timeoutMs })]
  const marker = `KVMPLAY-${randomBytes(8).toString('hex')}`
  // A timeout names the commands by their labels: the script is theirs, content and all.
  const labels = group.flatMap((c) => (c.label ? [c.label] : []))
  const out = await conn.exec(manyScript(group, marker, tag, stop), { label: labels.length ? labels.join('; ') : undefined, timeoutMs })
  const results = splitFramed(out, marker)
  const stopped = stop && results.length > 0 && results[results.length - 1].code !== 0
  if (results.length < group.length && !stopped) {
    const c = group[results.length]
    const err = out.stderr.trim() || out.stdout.trim()
    const label = c.label ?? `command ${offset + results.length + 1} of ${total}`
    throw new KvmplayError('command', `${conn.host}: ${label} did not finish (exit ${out.code})${err ? `: ${err}` : ''}`)
  }
  return results
}

/**
 * Runs the commands in order and returns each one's result (a non-zero
 * exit is data, as for exec). With stopAtFailure the results end at the
 * first failure. A command that never reported (the script was cut short:
 * a lost link, a kill) is an error naming it.
 */
export async function execMany(conn: Connection, commands: Command[], opts: ExecManyOptions = {}): Promise<ExecResult[]> {
  const tag = `KVMPLAY_STDIN_${randomBytes(6).toString('hex')}`
  const stop = opts.stopAtFailure ?? false
  const results: ExecResult[] = []
  for (const group of groups(commands, tag)) {
    const res = await runGroup(conn, group, tag, stop, results.length, commands.length, opts.timeoutMs)
    results.push(...res)
    if (stop && res.some((r) => r.code !== 0)) break
  }
  return results
}

