/**
 * Several read-only commands in one round trip: a single remote shell script
 * runs them in order, each in its own subshell with stdin closed, framed as
 * framing.ts describes.
 */
import { randomBytes } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'
import type { Connection, ExecResult } from './types.ts'
import { framedCommand, splitFramed } from './framing.ts'

export function batchScript(commands: string[], marker: string): string {
  return commands.map((cmd, i) => framedCommand(cmd, marker, i)).join('\n')
}

export function parseBatchOutput(out: ExecResult, count: number, marker: string): ExecResult[] {
  const results = splitFramed(out, marker)
  if (results.length < count) throw new KvmplayError('fact', `batched command ${results.length} produced no framed output`)
  return results
}

export async function runBatch(conn: Connection, commands: string[]): Promise<ExecResult[]> {
  if (commands.length === 0) return []
  // One command needs no subshell of its own: every exec already gets one, with no stdin
  // (the connection's shell wraps each command so; an exec channel or a local sh ends stdin).
  if (commands.length === 1) return [await conn.exec(commands[0])]
  const marker = `KVMPLAY-${randomBytes(8).toString('hex')}`
  return parseBatchOutput(await conn.exec(batchScript(commands, marker)), commands.length, marker)
}
