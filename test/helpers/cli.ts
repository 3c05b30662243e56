/** Runs the real `kvmplay` command line, as a user would, and reads its JSON events. */
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const BIN = fileURLToPath(new URL('../../bin/kvmplay.mjs', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

/**
 * kvmplay's state directory for this test process (the reports it keeps per inventory): never the
 * user's own, and fresh for each suite, so one suite's kept report is not the next one's.
 */
export const STATE_HOME = mkdtempSync(join(tmpdir(), 'kvmplay-test-state-'))
process.on('exit', () => rmSync(STATE_HOME, { recursive: true, force: true }))
const ENV = { NO_COLOR: '1', XDG_STATE_HOME: STATE_HOME }

export function kvmplay(args: string[], opts: { asNobody?: boolean; env?: Record<string, string>; input?: string; cwd?: string } = {}) {
  const argv = opts.asNobody
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, BIN, ...args]
    : [process.execPath, BIN, ...args]
  const res = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...ENV, ...opts.env }, input: opts.input, cwd: opts.cwd })
  return { code: res.status, out: res.stdout, err: res.stderr }
}

/** The same, without blocking the test's event loop (to act on the lab while it runs). */
export function kvmplayAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })))
}

export interface Recap {
  hosts: Record<string, { ok: number; changed: number; failed: number; unreachable: number; skipped: number; rolled_back: number }>
  untouched: string[]
  stopReason?: string
  exitCode: number
}

/** The recap event of a --json run (its last line). */
export function recapOf(out: string): Recap {
  const lines = out.trim().split('\n')
  const recap = JSON.parse(lines[lines.length - 1])
  if (recap.type !== 'recap') throw new Error(`the last line of --json output is not the recap:\n${out}`)
  return recap
}
