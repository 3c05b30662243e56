/**
 * From the settings that apply to a host (evaluate.ts) to what kvmplay
 * needs to reach it, with ssh's defaults and expansions: HostName's %h,
 * `~`, `%d %u %h %r %p %n %i %k %l %L %C %%` and `${VAR}` in IdentityFile,
 * UserKnownHostsFile and IdentityAgent; ProxyJump's chain (`a,b`,
 * `user@host:port`, `ssh://user@host:port`, `none`); ProxyCommand refused
 * unless `none`; HostKeyAlias (the name known_hosts is searched for) and
 * HostKeyAlgorithms (host-key-algorithms.ts). Values ssh would refuse are
 * errors naming file:line.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { homedir, hostname, userInfo } from 'node:os'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { KvmplayError } from '../../core/errors.ts'
import { evaluateSshConfig, invalidSetting } from './evaluate.ts'
import type { ConfigSource, Setting } from './evaluate.ts'
import { DEFAULT_HOST_KEY_ORDER, parseHostKeyAlgorithms } from './host-key-algorithms.ts'
import type { HostKeyAlgorithms } from './host-key-algorithms.ts'
export type { ConfigSource } from './evaluate.ts'

export interface JumpSpec {
  host: string
  user?: string
  port?: number
}

export interface ResolvedHost {
  /** The name ssh was given (an alias of the config, or an address). */
  name: string
  hostname: string
  port: number
  user: string
  identityFiles: string[]
  /** Whether IdentityFile was set (else identityFiles are ssh's defaults that exist). */
  identityFilesGiven: boolean
  identitiesOnly: boolean
  /** The agent's socket, or undefined for none. */
  identityAgent?: string
  /** The jump chain, first hop first; empty for a direct connection. */
  proxyJump: JumpSpec[]
  /** Where ProxyJump was set, for messages. */
  proxyJumpSetting?: Setting
  userKnownHostsFiles: string[]
  globalKnownHostsFiles: string[]
  strictHostKeyChecking: 'yes' | 'no' | 'ask' | 'accept-new'
  /** HostKeyAlias, lower case as ssh makes it: looked up in known_hosts instead of host and port. */
  hostKeyAlias?: string
  hostKeyAlgorithms: HostKeyAlgorithms
  /** Seconds, or undefined for none (the system's TCP timeout). */
  connectTimeout?: number
  serverAliveInterval: number
  serverAliveCountMax: number
  /** Whether a Host/Match block other than a catch-all applied (see evaluate.ts). */
  named: boolean
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa']

const number = (host: string, k: string, s: Setting, min: number, max: number): number => {
  const n = Number(s.args[0])
  if (!/^\d+$/.test(s.args[0]) || n < min || n > max) throw invalidSetting(host, k, s, `${k} '${s.args[0]}' is not a number from ${min} to ${max}`)
  return n
}

function yesNo(host: string, k: string, s: Setting | undefined, fallback: boolean): boolean {
  if (!s) return fallback
  const v = s.args[0].toLowerCase()
  if (v === 'yes' || v === 'true') return true
  if (v === 'no' || v === 'false') return false
  throw invalidSetting(host, k, s, `${k} '${s.args[0]}' must be yes or no`)
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, as ssh's parse_jump reads each hop. */
export function parseJumpSpec(spec: string): JumpSpec | undefined {
  const m = /^(?:ssh:\/\/)?(?:([^@/]+)@)?(\[[^\]\s]+\]|[^:@/[\]\s]+)(?::(\d+))?\/?$/.exec(spec)
  if (!m) return undefined
  const port = m[3] === undefined ? undefined : Number(m[3])
  if (port !== undefined && (port < 1 || port > 65535)) return undefined
  return { user: m[1], host: m[2].replace(/^\[(.*)\]$/, '$1'), port }
}

function parseProxyJump(host: string, s: Setting): JumpSpec[] {
  const value = s.args.join(' ').trim()
  if (value.toLowerCase() === 'none') return []
  return value.split(',').map((part) => {
    const spec = parseJumpSpec(part.trim())
    if (!spec) throw invalidSetting(host, 'ProxyJump', s, `ProxyJump '${part}' is not [user@]host[:port]`)
    return spec
  })
}

/** The ssh -W jump a ProxyCommand spells by hand, to say which ProxyJump would do the same. */
function proxyCommandHint(command: string): string {
  const m = /\bssh\b.*\s-W\s+\S+\s+(?:.*\s)?([^\s-][^\s]*)\s*$/.exec(command)
  return m ? ` (for \`${command}\` that is: ProxyJump ${m[1]})` : ''
}

interface Tokens {
  [k: string]: string
}

/** ssh's percent_expand (and percent_dollar_expand with `dollar`): an unknown %x is an error. */
export function expandTokens(text: string, tokens: Tokens, onError: (what: string) => KvmplayError, dollar = true): string {
  let out = text.replace(/%(.?)/g, (_, c: string) => {
    if (c === '%') return '%'
    if (c in tokens) return tokens[c]
    throw onError(c ? `unknown token %${c}` : 'a lone % at the end')
  })
  if (dollar) {
    out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => {
      const value = process.env[v]
      if (value === undefined) throw onError(`environment variable \${${v}} is not set`)
      return value
    })
  }
  return out
}

const tilde = (p: string) => (p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p)

export interface ResolveOptions {
  sources: ConfigSource[]
  /** Command-line options (ansible vars, -o in ansible_ssh_common_args), which win over the files. */
  preset: Map<string, Setting>
}

/** Everything ssh would use to reach `name`, with ssh's defaults. */
export function resolveHost(name: string, opts: ResolveOptions): ResolvedHost {
  const local = userInfo().username
  const { settings, named } = evaluateSshConfig(name, opts.sources, opts.preset, local)
  const get = (k: string) => settings.get(k)
  const hostnameSetting = get('hostname')
  let host = hostnameSetting ? expandTokens(hostnameSetting.args[0], { h: name }, (w) => invalidSetting(name, 'HostName', hostnameSetting, w), false) : name
  if (!isIP(host)) host = host.toLowerCase()
  const user = get('user')?.args[0] ?? local
  const port = get('port') ? number(name, 'Port', get('port')!, 1, 65535) : 22
  const localHost = hostname()
  const tokens: Tokens = {
    d: homedir(),
    u: local,
    h: host,
    r: user,
    p: String(port),
    n: name,
    i: String(userInfo().uid),
    k: get('hostkeyalias')?.args[0] ?? name,
    l: localHost,
    L: localHost.split('.')[0],
    C: createHash('sha1').update(`${localHost}${host}${port}${user}`).digest('hex'),
  }
  const expandPath = (k: string, s: Setting, p: string) => expandTokens(tilde(p), tokens, (w) => invalidSetting(name, k, s, `${k} '${p}': ${w}`))
  const idSetting = get('identityfile')
  const identityFiles = idSetting
    ? idSetting.args.map((p) => expandPath('IdentityFile', idSetting, p))
    : DEFAULT_IDENTITIES.map((f) => join(homedir(), '.ssh', f)).filter((f) => existsSync(f))
  const agentSetting = get('identityagent')
  let identityAgent = process.env.SSH_AUTH_SOCK || undefined
  if (agentSetting) {
    const a = agentSetting.args[0]
    identityAgent = a.toLowerCase() === 'none' ? undefined : a === 'SSH_AUTH_SOCK' ? process.env.SSH_AUTH_SOCK || undefined : a.startsWith('$') && !a.startsWith('${') ? process.env[a.slice(1)] || undefined : expandPath('IdentityAgent', agentSetting, a)
  }
  const proxyCommand = get('proxycommand')
  if (proxyCommand && proxyCommand.value.trim().toLowerCase() !== 'none') {
    throw invalidSetting(name, 'ProxyCommand', proxyCommand, `ProxyCommand is not supported: kvmplay opens jump connections itself; use ProxyJump${proxyCommandHint(proxyCommand.value)}`)
  }
  const jumpSetting = get('proxyjump')
  const khSetting = get('userknownhostsfile')
  const known = (s: Setting | undefined, k: string, fallback: string[]) =>
    !s ? fallback : s.args.length === 1 && s.args[0].toLowerCase() === 'none' ? [] : s.args.map((p) => expandPath(k, s, p))
  const strictSetting = get('stricthostkeychecking')
  const strictValue = strictSetting?.args[0].toLowerCase() ?? 'ask'
  const strict = ({ yes: 'yes', true: 'yes', no: 'no', false: 'no', off: 'no', ask: 'ask', 'accept-new': 'accept-new' } as const)[strictValue as 'yes']
  if (!strict) throw invalidSetting(name, 'StrictHostKeyChecking', strictSetting!, `StrictHostKeyChecking '${strictValue}' must be yes, no, ask or accept-new`)
  const timeout = get('connecttimeout')
  const algorithms = get('hostkeyalgorithms')
  if (algorithms && /\s/.test(algorithms.value.trim())) throw invalidSetting(name, 'HostKeyAlgorithms', algorithms, `HostKeyAlgorithms '${algorithms.value}': one comma-separated list, without spaces`)
  return {
    name,
    hostname: host,
    port,
    user,
    identityFiles,
    identityFilesGiven: idSetting !== undefined,
    identitiesOnly: yesNo(name, 'IdentitiesOnly', get('identitiesonly'), false),
    identityAgent,
    proxyJump: jumpSetting ? parseProxyJump(name, jumpSetting) : [],
    proxyJumpSetting: jumpSetting,
    userKnownHostsFiles: known(khSetting, 'UserKnownHostsFile', [join(homedir(), '.ssh/known_hosts'), join(homedir(), '.ssh/known_hosts2')]),
    globalKnownHostsFiles: known(get('globalknownhostsfile'), 'GlobalKnownHostsFile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']),
    strictHostKeyChecking: strict,
    hostKeyAlias: get('hostkeyalias')?.args[0].toLowerCase(),
    hostKeyAlgorithms: algorithms ? parseHostKeyAlgorithms(algorithms.args[0], (w) => invalidSetting(name, 'HostKeyAlgorithms', algorithms, w)) : DEFAULT_HOST_KEY_ORDER,
    connectTimeout: !timeout || timeout.args[0].toLowerCase() === 'none' ? undefined : number(name, 'ConnectTimeout', timeout, 0, 2 ** 31),
    serverAliveInterval: get('serveraliveinterval') ? number(name, 'ServerAliveInterval', get('serveraliveinterval')!, 0, 2 ** 31) : 0,
    serverAliveCountMax: get('serveralivecountmax') ? number(name, 'ServerAliveCountMax', get('serveralivecountmax')!, 0, 2 ** 31) : 3,
    named,
  }
}

/** Where ssh looks without -F: the user's file, then the system's. */
export const defaultSources = (): ConfigSource[] => [
  { path: join(homedir(), '.ssh/config'), optional: true, user: true },
  { path: '/etc/ssh/ssh_config', optional: true, user: false },
]

/** -F FILE: that file alone (ssh reads neither default then). */
export const fileSources = (file: string): ConfigSource[] => [{ path: tilde(file), optional: false, user: true }]

