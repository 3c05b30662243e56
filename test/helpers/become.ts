/**
 * What the become tests share: watching the hosts' processes for the become
 * password while kvmplay runs, and answering -K's prompt through a real
 * pseudo-terminal (script(1)), as a person at a terminal would.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, onHost } from './lab.ts'
import { BIN } from './cli.ts'

/**
 * Samples every process's arguments and environment on the hosts while `run`
 * runs, for the password (kept on each host in a root-only file, so the
 * search itself does not show it): the names of the processes that had it.
 */
export async function leaksDuring<T>(on: HostPlan[], password: string, run: () => Promise<T>): Promise<{ result: T; leaks: string[]; samples: number }> {
  for (const h of on) {
    const child = spawn('ssh', ['-F', join(TEST_LAB.dir, 'ssh_config'), h.name, `umask 077; cat > /root/.kvmplay-pw`], { stdio: ['pipe', 'ignore', 'ignore'] })
    child.stdin.end(`${password}\n`)
    await new Promise((r) => child.on('close', r))
  }
  let running = true
  let samples = 0
  const leaks: string[] = []
  const sample = async (h: HostPlan) => {
    while (running) {
      const out = await onHost(h, 'cd /proc && grep -alF -f /root/.kvmplay-pw [0-9]*/cmdline [0-9]*/environ 2>/dev/null | while read f; do echo "$f: $(tr "\\0" " " < ${f%/*}/cmdline)"; done; true')
      samples++
      if (out.trim()) leaks.push(`${h.name}: ${out.trim()}`)
    }
  }
  const samplers = on.map(sample)
  const result = await run()
  running = false
  await Promise.all(samplers)
  return { result, leaks, samples }
}

/** Runs kvmplay with `args` on a pseudo-terminal, typing `password` at each "BECOME password:" prompt: exit code, everything the terminal showed, how many prompts. */
export async function runWithPrompt(args: string[], password: string): Promise<{ code: number | null; out: string; asked: number }> {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
  const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  let out = ''
  let asked = 0
  child.stdout.on('data', (d: Buffer) => {
    out += d
    const prompts = out.split('BECOME password:').length - 1
    if (prompts > asked) {
      asked = prompts
      child.stdin.write(`${password}\r`)
    }
  })
  child.stderr.on('data', (d: Buffer) => (out += d))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, out, asked }
}
