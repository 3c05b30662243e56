/**
 * From a host's inventory vars to how to reach it: Ansible's connection
 * variables, including the ssh options people already put in
 * ansible_ssh_common_args / ansible_ssh_extra_args.
 */
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { KvmplayError } from '../core/errors.ts'
import type { Become } from './become.ts'

export interface ConnectionDefaults {
  /** --known-hosts: replaces the user's files. */
  knownHostsFile?: string
  /** --accept-new-host-keys: trust on first use, recorded in the known_hosts file. */
  acceptNewHostKeys?: boolean
  connectTimeoutMs?: number
  commandTimeoutMs?: number
  user?: string
  privateKey?: string
}

export interface SshTarget {
  kind: 'ssh'
  host: string
  address: string
  port: number
  user: string
  privateKeyPath?: string
  password?: string
  knownHostsFiles: string[]
  acceptNewHostKeys: boolean
  connectTimeoutMs: number
  commandTimeoutMs: number
  /** Escalation once logged in (become.ts): every channel of the connection runs as become.user. */
  become?: Become
}

export interface LocalTarget {
  kind: 'local'
  host: string
  commandTimeoutMs: number
}

export type Target = SshTarget | LocalTarget

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_COMMAND_TIMEOUT_MS = 600_000

/** `-o Key=Value`, `-oKey=Value`, `-o Key Value` and `-i file` / `-p port` from an ssh args string. */
export function parseSshArgs(args: string): { options: Record<string, string>; identity?: string; port?: number } {
  const words = args.match(/"[^"]*"|'[^']*'|\S+/g)?.map((w) => w.replace(/^(["'])(.*)\1$/, '$2')) ?? []
  const options: Record<string, string> = {}
  let identity: string | undefined
  let port: number | undefined
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    const opt = w === '-o' ? words[++i] : w.startsWith('-o') ? w.slice(2) : undefined
    if (opt !== undefined) {
      const m = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(opt) ?? (words[i + 1] && /^[A-Za-z]+$/.test(opt) ? [opt, opt, words[++i]] : null)
      if (m) options[m[1].toLowerCase()] = m[2]
    } else if (w === '-i') identity = words[++i]
    else if (w === '-p') port = Number(words[++i])
  }
  return { options, identity, port }
}

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v))
const expandHome = (p: string) => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p)

export function targetFromVars(host: string, vars: Record<string, unknown>, defaults: ConnectionDefaults = {}): Target {
  const commandTimeoutMs = defaults.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
  const connection = str(vars.ansible_connection) ?? 'ssh'
  if (connection === 'local') return { kind: 'local', host, commandTimeoutMs }
  if (connection !== 'ssh' && connection !== 'paramiko' && connection !== 'smart') {
    throw new KvmplayError('inventory', `host ${host}: ansible_connection '${connection}' is not supported (use ssh or local)`)
  }
  const ssh = parseSshArgs([str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args)].filter(Boolean).join(' '))
  const port = Number(str(vars.ansible_port) ?? str(vars.ansible_ssh_port) ?? ssh.port ?? 22)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KvmplayError('inventory', `host ${host}: ansible_port ${JSON.stringify(vars.ansible_port)} is not a TCP port (1–65535)`)
  }
  const userFiles = ssh.options.userknownhostsfile?.split(/\s+/).map(expandHome)
  const knownHostsFiles = defaults.knownHostsFile
    ? [defaults.knownHostsFile]
    : (userFiles ?? [resolve(homedir(), '.ssh/known_hosts'), '/etc/ssh/ssh_known_hosts'])
  const strict = ssh.options.stricthostkeychecking?.toLowerCase()
  const keyFile = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file) ?? ssh.identity ?? defaults.privateKey
  const connectSeconds = Number(ssh.options.connecttimeout)
  return {
    kind: 'ssh',
    host,
    address: str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? host,
    port,
    user: str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? defaults.user ?? process.env.USER ?? 'root',
    privateKeyPath: keyFile ? expandHome(keyFile) : undefined,
    password: str(vars.ansible_password) ?? str(vars.ansible_ssh_pass),
    knownHostsFiles,
    // An inventory that already says accept-new (or no) asked for trust on
    // first use; a changed key is refused all the same.
    acceptNewHostKeys: defaults.acceptNewHostKeys === true || strict === 'accept-new' || strict === 'no' || strict === 'off',
    connectTimeoutMs: defaults.connectTimeoutMs ?? (connectSeconds > 0 ? connectSeconds * 1000 : DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeoutMs,
  }
}
