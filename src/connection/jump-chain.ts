/**
 * ProxyJump as OpenSSH follows it: for `ProxyJump a,b` the host is reached
 * through b, and b — with the user and port the spec gives, else its own
 * from ssh_config — through a (the rest of the chain, which overrides b's
 * own ProxyJump); a is reached as ssh_config says, its own ProxyJump
 * included. Each hop is a full endpoint: its own user, port, keys and
 * known_hosts, from the same ssh_config files.
 */
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { KvmplayError } from '../core/errors.ts'
import type { Setting } from './ssh-config/evaluate.ts'
import { resolveHost } from './ssh-config/resolve.ts'
import type { ConfigSource, JumpSpec, ResolvedHost } from './ssh-config/resolve.ts'
import type { HostKeyAlgorithms } from './ssh-config/host-key-algorithms.ts'
import type { ConnectionDefaults } from './target.ts'

/** What it takes to log in to one sshd: a host, or a jump host on the way to one. */
export interface SshEndpoint {
  /** For messages: the inventory name, or `jump host NAME`. */
  host: string
  address: string
  port: number
  user: string
  /** Private key files to offer, in order. */
  identityFiles: string[]
  /** IdentitiesOnly: only the key files, not the agent's other keys. */
  identitiesOnly: boolean
  /** The ssh-agent's socket (IdentityAgent, else SSH_AUTH_SOCK); none when undefined. */
  agent?: string
  password?: string
  knownHostsFiles: string[]
  acceptNewHostKeys: boolean
  /** HostKeyAlias: the name known_hosts is searched for, instead of the address (and port). */
  hostKeyAlias?: string
  /** HostKeyAlgorithms; ssh2's default list, known key types first, when absent. */
  hostKeyAlgorithms?: HostKeyAlgorithms
  connectTimeoutMs: number
  /** ServerAliveInterval / CountMax; kvmplay's own when ssh_config says nothing. */
  keepaliveIntervalMs: number
  keepaliveCountMax: number
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** A dead link is noticed within about 15 s even when no command is running. */
const KEEPALIVE = { intervalMs: 5_000, countMax: 3 }
/** Deeper than any real fleet; a longer chain is a loop in the config. */
const MAX_HOPS = 8

export function endpointOf(label: string, r: ResolvedHost, defaults: ConnectionDefaults): SshEndpoint {
  return {
    host: label,
    address: r.hostname,
    port: r.port,
    user: r.user,
    identityFiles: r.identityFiles,
    identitiesOnly: r.identitiesOnly,
    agent: r.identityAgent,
    knownHostsFiles: defaults.knownHostsFile ? [defaults.knownHostsFile] : [...r.userKnownHostsFiles, ...r.globalKnownHostsFiles],
    // accept-new (or no) asked for trust on first use; a changed key is refused all the same.
    acceptNewHostKeys: defaults.acceptNewHostKeys === true || r.strictHostKeyChecking === 'accept-new' || r.strictHostKeyChecking === 'no',
    hostKeyAlias: r.hostKeyAlias,
    hostKeyAlgorithms: r.hostKeyAlgorithms,
    connectTimeoutMs: defaults.connectTimeoutMs ?? (r.connectTimeout ? r.connectTimeout * 1000 : DEFAULT_CONNECT_TIMEOUT_MS),
    keepaliveIntervalMs: r.serverAliveInterval > 0 ? r.serverAliveInterval * 1000 : KEEPALIVE.intervalMs,
    keepaliveCountMax: r.serverAliveInterval > 0 ? r.serverAliveCountMax : KEEPALIVE.countMax,
  }
}

let etcHosts: Set<string> | undefined
const inEtcHosts = (name: string) => {
  if (!etcHosts) {
    let text = ''
    try {
      text = readFileSync('/etc/hosts', 'utf8')
    } catch {
      // no /etc/hosts: nothing is in it
    }
    etcHosts = new Set(text.split('\n').flatMap((l) => l.replace(/#.*/, '').trim().split(/\s+/).slice(1)))
  }
  return etcHosts.has(name.toLowerCase())
}

/**
 * A jump host's name that nothing can turn into an address is a typo, found
 * before anything is contacted: no Host block names it, it is no address,
 * not in /etc/hosts, and without a dot no DNS name either (kvmplay does not
 * ask DNS about single labels).
 */
function unknownJumpHost(spec: JumpSpec, hop: ResolvedHost): boolean {
  return !hop.named && hop.hostname === spec.host.toLowerCase() && !isIP(spec.host) && !spec.host.includes('.') && !inEtcHosts(spec.host)
}

function where(s: Setting | undefined): string {
  return s?.file ? ` (ProxyJump at ${s.file}:${s.line})` : s ? ' (ProxyJump in the ssh args)' : ''
}

/** The hops to go through to reach `r`, first hop first. */
export function resolveJumpChain(host: string, r: ResolvedHost, sources: ConfigSource[], defaults: ConnectionDefaults, depth = 0): SshEndpoint[] {
  if (r.proxyJump.length === 0) return []
  if (depth >= MAX_HOPS) {
    throw new KvmplayError('inventory', `host ${host}: more than ${MAX_HOPS} jump hosts on the way${where(r.proxyJumpSetting)}: is there a ProxyJump loop in the ssh_config?`)
  }
  const spec = r.proxyJump[r.proxyJump.length - 1]
  const rest = r.proxyJump.slice(0, -1)
  const preset = new Map<string, Setting>()
  if (spec.user) preset.set('user', { args: [spec.user], value: spec.user })
  if (spec.port) preset.set('port', { args: [String(spec.port)], value: String(spec.port) })
  // The rest of the chain, as ssh's -J for the hop: it overrides the hop's own ProxyJump.
  if (rest.length) {
    const value = rest.map((j) => `${j.user ? `${j.user}@` : ''}${j.host}${j.port ? `:${j.port}` : ''}`).join(',')
    preset.set('proxyjump', { ...r.proxyJumpSetting!, args: [value], value })
  }
  const hop = resolveHost(spec.host, { sources, preset })
  if (unknownJumpHost(spec, hop)) {
    throw new KvmplayError(
      'inventory',
      `host ${host}: jump host '${spec.host}'${where(r.proxyJumpSetting)} is not known: no Host block of ${sources.map((s) => s.path).join(', ')} names it and it is not an address; add a Host ${spec.host} block with its HostName, or fix the name`,
    )
  }
  if (hop.hostname === r.hostname && hop.port === r.port && hop.user === r.user) {
    throw new KvmplayError('inventory', `host ${host}: jump host loop via ${spec.host}${where(r.proxyJumpSetting)}`)
  }
  const endpoint = endpointOf(`jump host ${spec.host}`, hop, defaults)
  return [...resolveJumpChain(host, hop, sources, defaults, depth + 1), endpoint]
}
