/**
 * Booting and stopping the lab VM: one qemu process, its files in one
 * directory (overlay, console log, qemu's own log, pid), so stopping it
 * removes exactly those. Every wait has a deadline; a VM that does not come
 * up is an error naming what was awaited, with the tail of its console.
 * Stopped by a poweroff inside, or — when that does not end it in time — by
 * its PID (never by name: another lab's VM may be running).
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { $ } from '../sh.ts'
import type { VmImage } from './image.ts'
import { qemuArgs } from './qemu.ts'
import { onVm, writeVmSshFiles } from './ssh.ts'
import type { VmSshTarget } from './ssh.ts'

export interface RunningVm extends VmSshTarget {
  pid: number
  console: string
  /** Milliseconds from qemu's start to sshd's banner and a first command run over SSH. */
  bootMs: number
}

export interface VmUpOptions {
  dir: string
  image: VmImage
  /** The lab's private key; its .pub is root's authorized key in the VM. */
  key: string
  memMiB?: number
  tbSizeMiB?: number
  /** How long the VM may take to answer over SSH (TCG boots Debian in about 40 s on an idle machine). */
  deadlineMs?: number
}

export const vmPaths = (dir: string) => ({
  overlay: join(dir, 'overlay.qcow2'),
  console: join(dir, 'console.log'),
  qemuLog: join(dir, 'qemu.log'),
  pidfile: join(dir, 'qemu.pid'),
  state: join(dir, 'vm.json'),
})

const DEFAULT_DEADLINE_MS = 300_000

/** Boots the VM and waits until root runs a command in it over SSH. */
export async function vmUp(o: VmUpOptions): Promise<RunningVm> {
  const p = vmPaths(o.dir)
  if (existsSync(p.state)) throw new Error(`a VM is recorded in ${o.dir} already: stop it first (vm down)`)
  mkdirSync(o.dir, { recursive: true, mode: 0o700 })
  for (const f of [p.overlay, p.console, p.qemuLog, p.pidfile]) rmSync(f, { force: true })
  await $`qemu-img create -q -f qcow2 -b ${o.image.disk} -F raw ${p.overlay}`
  const sshPort = await freePort()
  const authorizedKey = readFileSync(`${o.key}.pub`, 'utf8')
  const args = qemuArgs(o.image, { overlay: p.overlay, sshPort, console: p.console, pidfile: p.pidfile, authorizedKey, memMiB: o.memMiB, tbSizeMiB: o.tbSizeMiB })
  const started = performance.now()
  const log = openSync(p.qemuLog, 'w')
  const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['ignore', log, log] })
  closeSync(log)
  child.unref()
  let exited: string | undefined
  child.on('exit', (code, signal) => (exited = `qemu exited (${signal ?? `status ${code}`})`))
  const pid = child.pid
  if (pid === undefined) throw new Error(`qemu-system-x86_64 did not start: ${readFileSync(p.qemuLog, 'utf8').trim()}`)
  const vm: RunningVm = { dir: o.dir, sshPort, key: o.key, pid, console: p.console, bootMs: 0 }
  writeFileSync(p.state, JSON.stringify({ pid, sshPort, key: o.key, console: p.console }) + '\n')
  writeVmSshFiles(vm, o.image.hostKey)
  const deadline = started + (o.deadlineMs ?? DEFAULT_DEADLINE_MS)
  try {
    await waitFor('sshd\'s banner on 127.0.0.1:' + sshPort, deadline, () => exited, () => sshBanner(sshPort))
    await waitFor('a command run as root over SSH', deadline, () => exited, async () => (await onVm(vm, 'true', '60s').then(() => true, () => false)))
  } catch (err) {
    await vmKill(vm)
    const message = `${(err as Error).message}\n--- the tail of its console (${p.console}):\n${tail(p.console)}\n--- qemu:\n${tail(p.qemuLog)}`
    // Its overlay and record go with it (the next vmUp in this directory starts clean); the console log stays to read.
    cleanup(o.dir)
    throw new Error(message)
  }
  vm.bootMs = performance.now() - started
  return vm
}

/** The VM recorded in `dir` (by vmUp, maybe in another process), or undefined. */
export function recordedVm(dir: string): RunningVm | undefined {
  const p = vmPaths(dir)
  if (!existsSync(p.state)) return undefined
  const s = JSON.parse(readFileSync(p.state, 'utf8')) as { pid: number; sshPort: number; key: string; console: string }
  return { dir, pid: s.pid, sshPort: s.sshPort, key: s.key, console: s.console, bootMs: 0 }
}

/** qemu's memory as the kernel counts it: resident now and its peak (VmHWM), MiB. */
export function vmMemory(vm: RunningVm): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${vm.pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) }
}

/** Powers the VM off from inside and waits for qemu to end; kills it by PID if it does not in time. Removes its files. */
export async function vmDown(vm: RunningVm, deadlineMs = 60_000): Promise<'poweroff' | 'killed' | 'gone'> {
  if (!isOurQemu(vm.pid)) return (cleanup(vm.dir), 'gone')
  // ssh itself fails when the guest closes the connection as it goes down: the outcome is qemu's exit.
  await onVm(vm, 'systemctl poweroff', '30s').catch(() => {})
  const ended = await waitUntil(performance.now() + deadlineMs, () => !isOurQemu(vm.pid))
  if (!ended) await vmKill(vm)
  cleanup(vm.dir)
  return ended ? 'poweroff' : 'killed'
}

/** Ends qemu by its PID: TERM, then KILL after 10 s. */
export async function vmKill(vm: RunningVm): Promise<void> {
  if (!isOurQemu(vm.pid)) return
  process.kill(vm.pid, 'SIGTERM')
  if (await waitUntil(performance.now() + 10_000, () => !isOurQemu(vm.pid))) return
  process.kill(vm.pid, 'SIGKILL')
  await waitUntil(performance.now() + 10_000, () => !isOurQemu(vm.pid))
}

function cleanup(dir: string): void {
  for (const f of Object.values(vmPaths(dir))) if (!f.endsWith('console.log')) rmSync(f, { force: true })
}

/** Whether `pid` is still a qemu (and not a process that took a recycled PID, nor a zombie). */
function isOurQemu(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return /^\d+ \(qemu-system-x86\) [^Z]/.test(stat)
  } catch {
    return false
  }
}

/** A port free on 127.0.0.1 now (the kernel's pick); qemu binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Whether sshd answers with its banner. slirp accepts the TCP connection on
 * the forwarded port whatever the guest does, so a connect alone proves nothing.
 */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => (sock.destroy(), resolve(ok))
    sock.setTimeout(5_000, () => done(false))
    sock.once('data', (d) => done(d.toString('latin1').startsWith('SSH-')))
    sock.once('error', () => done(false))
    sock.once('close', () => done(false))
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitUntil(deadline: number, ok: () => boolean | Promise<boolean>): Promise<boolean> {
  for (;;) {
    if (await ok()) return true
    if (performance.now() > deadline) return false
    await sleep(500)
  }
}

async function waitFor(what: string, deadline: number, died: () => string | undefined, ok: () => Promise<boolean>): Promise<void> {
  let gone: string | undefined
  const reached = await waitUntil(deadline, async () => !!(gone = died()) || (await ok()))
  if (gone) throw new Error(`the lab VM did not come up: ${gone} while waiting for ${what}`)
  if (!reached) throw new Error(`the lab VM did not come up: no ${what} within the deadline`)
}

function tail(path: string, lines = 25): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(none)'
  }
}
