/**
 * Several read-only commands in one round trip: a single remote /bin/sh
 * script runs them in order, each in its own subshell with stdin closed,
 * and frames each one's stdout, exit code and stderr between lines carrying
 * a random marker that no command output can guess.
 */
import { randomBytes } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'
import type { Connection, ExecResult } from './types.ts'

export function batchScript(commands: string[], marker: string): string {
  const lines = ['e=$(mktemp) || exit 125']
  commands.forEach((cmd, i) => {
    lines.push(
      `printf '%s %d\\n' ${marker} ${i}`,
      `( ${cmd}\n) </dev/null 2>"$e"; c=$?`,
      `printf '\\n%s %d %d\\n' ${marker} ${i} "$c"`,
      `cat "$e"`,
      `printf '\\n%s %d\\n' ${marker} ${i}`,
    )
  })
  lines.push('rm -f "$e"')
  return lines.join('\n')
}

export function parseBatchOutput(output: string, count: number, marker: string): ExecResult[] {
  const results: ExecResult[] = []
  let rest = output
  for (let i = 0; i < count; i++) {
    const start = `${marker} ${i}\n`
    const codeRe = new RegExp(`\\n${marker} ${i} (\\d+)\\n`)
    const end = `\n${marker} ${i}\n`
    const s = rest.indexOf(start)
    const codeMatch = codeRe.exec(rest)
    if (s < 0 || !codeMatch) throw new KvmplayError('fact', `batched command ${i} produced no framed output`)
    const e = rest.indexOf(end, codeMatch.index + codeMatch[0].length)
    if (e < 0) throw new KvmplayError('fact', `batched command ${i} output is truncated`)
    results.push({
      code: Number(codeMatch[1]),
      stdout: rest.slice(s + start.length, codeMatch.index),
      stderr: rest.slice(codeMatch.index + codeMatch[0].length, e),
    })
    rest = rest.slice(e + end.length)
  }
  return results
}

export async function runBatch(conn: Connection, commands: string[]): Promise<ExecResult[]> {
  if (commands.length === 0) return []
  if (commands.length === 1) return [await conn.exec(`( ${commands[0]}\n) </dev/null`)]
  const marker = `KVMPLAY-${randomBytes(8).toString('hex')}`
  const res = await conn.exec(batchScript(commands, marker))
  if (res.code === 125) throw new KvmplayError('command', `${conn.host}: cannot create a temporary file (mktemp): ${res.stderr.trim()}`)
  return parseBatchOutput(res.stdout, commands.length, marker)
}
