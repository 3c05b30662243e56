/**
 * Real OpenSSH sshds for tests, on 127.0.0.1 (a free high port each, its own
 * host key, a test client key in authorized_keys), stopped by the caller.
 */
import { spawn, execFileSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const SSHD = '/usr/sbin/sshd'
/** Why sshd cannot serve logins here, or undefined where it can. */
export const sshdUnable =
  process.getuid?.() !== 0 ? 'not root: sshd cannot serve logins' : !existsSync(SSHD) ? `${SSHD} is missing (openssh-server)` : undefined

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

export const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kvmplay-test', '-f', file])
/** `type base64` of a .pub file: the key part of a known_hosts or authorized_keys line. */
export const publicKey = (pubFile: string) => readFileSync(pubFile, 'utf8').split(' ').slice(0, 2).join(' ')

export interface Sshd {
  dir: string
  port: number
  /** The key sshd presents, as `ssh-ed25519 AAAA…`. */
  hostKey: string
  /** A known_hosts file that holds hostKey for [127.0.0.1]:port. */
  knownHosts: string
  /** The private key that authorized_keys lets in. */
  clientKey: string
  /** A private key that it does not. */
  strangerKey: string
  child: ChildProcess
  log: () => string
}

/**
 * The privilege separation directory sshd insists on (made by the service
 * unit, usually). Made here when missing, and left: another sshd (another
 * run of this suite, a lab test's) may need it as long as it runs.
 */
const PRIVSEP_DIR = '/run/sshd'

export async function startSshd(extraConfig: string[] = []): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-sshd-'))
  for (const k of ['host_ed25519', 'client_ed25519', 'stranger_ed25519']) keygen(join(dir, k))
  writeFileSync(join(dir, 'authorized_keys'), publicKey(join(dir, 'client_ed25519.pub')) + '\n')
  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { mode: 0o755 })
  const port = await freePort()
  const config = join(dir, 'sshd_config')
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'UsePAM no',
      // The temp dir is not laid out as ~/.ssh would be.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      // The default, spelled out: openUnixSocket depends on it.
      'AllowStreamLocalForwarding yes',
      ...extraConfig,
      '',
    ].join('\n'),
  )
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start listening within 10 s:\n${log}`)), 10_000)
    const check = () => {
      if (!log.includes(`Server listening on 127.0.0.1 port ${port}`)) return
      clearTimeout(timer)
      resolve()
    }
    child.stderr!.on('data', check)
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`sshd exited (${code}) before listening:\n${log}`))))
  })
  const hostKey = publicKey(join(dir, 'host_ed25519.pub'))
  const knownHosts = join(dir, 'known_hosts')
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`)
  return {
    dir,
    port,
    hostKey,
    knownHosts,
    clientKey: join(dir, 'client_ed25519'),
    strangerKey: join(dir, 'stranger_ed25519'),
    child,
    log: () => log,
  }
}


/** Stops an sshd started by startSshd and removes its files. */
export async function stopSshd(s: Sshd): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) {
    const exited = new Promise((resolve) => s.child.once('exit', resolve))
    process.kill(s.child.pid!, 'SIGTERM')
    await exited
  }
  rmSync(s.dir, { recursive: true, force: true })
}
