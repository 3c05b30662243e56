/**
 * From a host's inventory vars to how to reach it, as Ansible through
 * OpenSSH would: the inventory's connection vars become ssh command-line
 * options (so they win), then the ssh options of ansible_ssh_common_args /
 * ansible_ssh_extra_args, then the ssh_config files (`-F` there, else
 * kvmplay's -F, else ~/.ssh/config and /etc/ssh/ssh_config), resolved for
 * the name ssh is given: ansible_host, else the inventory name. ProxyJump
 * becomes the chain of jump hosts, each resolved the same way (jump-chain.ts).
 */
import { KvmplayError } from '../core/errors.ts'
import type { Setting } from './ssh-config/evaluate.ts'
import { defaultSources, fileSources, resolveHost } from './ssh-config/resolve.ts'
import type { ConfigSource } from './ssh-config/resolve.ts'
import { endpointOf, resolveJumpChain } from './jump-chain.ts'
import type { SshEndpoint } from './jump-chain.ts'

export type { SshEndpoint } from './jump-chain.ts'
import type { Become } from './become.ts'

export interface ConnectionDefaults {
  /** --known-hosts: replaces the user's files. */
  knownHostsFile?: string
  /** --accept-new-host-keys: trust on first use, recorded in the known_hosts file. */
  acceptNewHostKeys?: boolean
  /** -T: wins over ConnectTimeout; without either, 10 s. */
  connectTimeoutMs?: number
  commandTimeoutMs?: number
  /** kvmplay's -F: the ssh_config for hosts whose ssh args name none (instead of ~/.ssh/config and /etc/ssh/ssh_config). */
  sshConfigFile?: string
}

export interface SshTarget extends SshEndpoint {
  kind: 'ssh'
  commandTimeoutMs: number
  /** The jump hosts to tunnel through, first hop first; empty for a direct connection. */
  jumps: SshEndpoint[]
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

export interface SshArgs {
  /** `-o Key=Value`, keyword in lower case, in the order given. */
  options: Record<string, string>
  identity?: string
  port?: number
  user?: string
  jump?: string
  configFile?: string
}

/** `-o Key=Value`, `-oKey=Value`, `-o Key Value`, `-i file`, `-p port`, `-l user`, `-J jumps`, `-F file` from an ssh args string. */
export function parseSshArgs(args: string): SshArgs {
  const words = args.match(/"[^"]*"|'[^']*'|\S+/g)?.map((w) => w.replace(/^(["'])(.*)\1$/, '$2')) ?? []
  const out: SshArgs = { options: {} }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    const opt = w === '-o' ? words[++i] : w.startsWith('-o') ? w.slice(2) : undefined
    if (opt !== undefined) {
      const m = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(opt) ?? (words[i + 1] && /^[A-Za-z]+$/.test(opt) ? [opt, opt, words[++i]] : null)
      if (m) out.options[m[1].toLowerCase()] = m[2].replace(/^(["'])(.*)\1$/, '$2')
    } else if (w === '-i') out.identity = words[++i]
    else if (w === '-p') out.port = Number(words[++i])
    else if (w === '-l') out.user = words[++i]
    else if (w === '-J') out.jump = words[++i]
    else if (w === '-F') out.configFile = words[++i]
  }
  return out
}

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v))

/**
 * The options ssh gets on its command line, in the order Ansible's ssh
 * connection gives them: its own -o User/Port/IdentityFile first, then the
 * inventory's ssh args. On ssh's command line, as in its files, the first wins.
 */
function commandLineOptions(host: string, vars: Record<string, unknown>, ssh: SshArgs): Map<string, Setting> {
  const preset = new Map<string, Setting>()
  const add = (k: string, v: string | undefined) => {
    if (v === undefined) return
    const had = preset.get(k)
    if (k === 'identityfile' && had) had.args.push(v)
    else if (!had) preset.set(k, { args: k === 'userknownhostsfile' ? v.split(/\s+/) : [v], value: v })
  }
  add('user', str(vars.ansible_user) ?? str(vars.ansible_ssh_user))
  const port = str(vars.ansible_port) ?? str(vars.ansible_ssh_port)
  if (port !== undefined) {
    const n = Number(port)
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new KvmplayError('inventory', `host ${host}: ansible_port ${JSON.stringify(vars.ansible_port)} is not a TCP port (1–65535)`)
    add('port', String(n))
  }
  add('identityfile', str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file))
  for (const [k, v] of Object.entries(ssh.options)) add(k, v)
  add('identityfile', ssh.identity)
  add('port', ssh.port === undefined ? undefined : String(ssh.port))
  add('user', ssh.user)
  add('proxyjump', ssh.jump)
  return preset
}

export function targetFromVars(host: string, vars: Record<string, unknown>, defaults: ConnectionDefaults = {}): Target {
  const commandTimeoutMs = defaults.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
  const connection = str(vars.ansible_connection) ?? 'ssh'
  if (connection === 'local') return { kind: 'local', host, commandTimeoutMs }
  if (connection !== 'ssh' && connection !== 'paramiko' && connection !== 'smart') {
    throw new KvmplayError('inventory', `host ${host}: ansible_connection '${connection}' is not supported (use ssh or local)`)
  }
  const ssh = parseSshArgs([str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args)].filter(Boolean).join(' '))
  const file = ssh.configFile ?? defaults.sshConfigFile
  const sources: ConfigSource[] = file ? fileSources(file) : defaultSources()
  const preset = commandLineOptions(host, vars, ssh)
  const resolved = resolveHost(str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? host, { sources, preset })
  return {
    kind: 'ssh',
    ...endpointOf(host, resolved, defaults),
    password: str(vars.ansible_password) ?? str(vars.ansible_ssh_pass),
    commandTimeoutMs,
    jumps: resolveJumpChain(host, resolved, sources, defaults),
  }
}
