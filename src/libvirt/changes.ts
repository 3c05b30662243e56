/**
 * The one seam between tasks and libvirt's changes. A task says what it
 * wants done as data (a list of LibvirtChange); this module makes it happen,
 * through libvirt's API over the connection's read-write session where the
 * host allows one (remote.ts: no virsh process, no shell), else as one virsh
 * script that batches with the task's other shell steps. Tasks write neither
 * virsh nor RPC.
 */
import type { Connection } from '../connection/types.ts'
import { KvmplayError } from '../core/errors.ts'
import { quote } from '../core/quote.ts'
import { commandStep, runChecked } from '../core/step.ts'
import type { ConnectionStep, FileDiff } from '../core/task.ts'
import { renderString } from '../render.ts'
import { RELINK_TIMEOUT_MS } from '../core/deadlines.ts'
import { withLinkState } from './domain.ts'
import { resource } from '../core/resource.ts'
import type { DhcpHost } from './network.ts'
import { LibvirtCallError } from './rpc.ts'
import {
  dropLibvirtSession,
  libvirtSession,
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
  VIR_NETWORK_UPDATE_COMMAND,
} from './remote.ts'
import type { DomRef, LibvirtChangeApi, NetRef, PoolRef } from './remote.ts'
import { libvirtTouches, virsh, virshSequence, virshWithXmlFile } from './virsh.ts'
import type { LibvirtTouches } from './virsh.ts'

/** What a task can ask of libvirt. Each is the change behind the virsh command named. */
export type LibvirtChange =
  /** net-define: a new network, or an existing one redefined (same name and uuid). */
  | { op: 'define-network'; name: string; xml: string }
  /** net-start */
  | { op: 'start-network'; name: string }
  /** net-autostart [--disable] */
  | { op: 'autostart-network'; name: string; on: boolean }
  /** net-destroy: the network stops. */
  | { op: 'destroy-network'; name: string }
  /** net-undefine */
  | { op: 'undefine-network'; name: string }
  /** net-destroy, then net-start if the stop worked: a running network takes its new definition. */
  | { op: 'restart-network'; name: string }
  /** net-update … ip-dhcp-host: one static lease, in the persistent config and, with live, in the running network. */
  | { op: 'update-dhcp-host'; network: string; action: 'add' | 'modify' | 'delete'; host: DhcpHost; live: boolean }
  /**
   * update-device: the persistent config (live false), live and persistent
   * (true), or 'or-next-boot': live and persistent, and where libvirt
   * refuses the live change, the persistent config alone, failing with
   * `refused.message (libvirt's reason); refused.hint`.
   */
  | { op: 'update-device'; domain: string; xml: string; live: false | true }
  | { op: 'update-device'; domain: string; xml: string; live: 'or-next-boot'; refused: { message: string; hint: string } }
  /** pool-define: a new storage pool, or an existing one redefined (same name and uuid). */
  | { op: 'define-pool'; name: string; xml: string }
  /** pool-build: its directory made, or its volume group created on its devices. */
  | { op: 'build-pool'; name: string }
  /** pool-start */
  | { op: 'start-pool'; name: string }
  /** pool-autostart [--disable] */
  | { op: 'autostart-pool'; name: string; on: boolean }
  /** update-device --live --config; where that fails: shutdown, a bounded wait for shut off, update-device --config, start. */
  | { op: 'shutdown-edit-start'; domain: string; xml: string; timeoutSec: number }
  /**
   * Running guests' NICs (`xml`, each one's interface element) link down,
   * held down `seconds` — once for all of them — and up again, live only
   * (the persistent config keeps no link state). A step of its own, after
   * the steps that moved the NICs live.
   */
  | { op: 'relink'; nics: RelinkNic[]; seconds: number }

/** A NIC a relink bounces: its domain, its MAC, its interface element as it is now. */
export interface RelinkNic {
  domain: string
  mac: string
  xml: string
}

type Op = LibvirtChange['op']

/**
 * What only virsh does yet. shutdown-edit-start is a conversation (try,
 * shut down, poll domstate, edit, start) of several commands, not one
 * script, and its messages quote virsh's own; over RPC it would need
 * DOMAIN_SHUTDOWN, DOMAIN_CREATE and a polled DOMAIN_GET_STATE. relink is
 * one script on the host on purpose: its wait is there, with hang-ups
 * ignored, so the up follows the down even when kvmplay is interrupted or
 * its connection drops mid-wait — over RPC the wait would be kvmplay's, and
 * a guest could be left with its link down.
 */
export const VIRSH_ONLY: ReadonlySet<Op> = new Set<Op>(['shutdown-edit-start', 'relink'])

/**
 * What one change touches: its network or domain, or all of libvirt. A
 * restart touches all: the guests on the network get new ports, which
 * their live XML shows.
 */
function touchOf(c: LibvirtChange): LibvirtTouches | undefined {
  switch (c.op) {
    case 'restart-network':
      return undefined
    case 'update-dhcp-host':
      return { network: c.network }
    case 'update-device':
    case 'shutdown-edit-start':
      return { domain: c.domain }
    case 'relink':
      return new Set(c.nics.map((n) => n.domain)).size === 1 ? { domain: c.nics[0].domain } : undefined
    case 'define-pool':
    case 'build-pool':
    case 'start-pool':
    case 'autostart-pool':
      return { pool: c.name }
    default:
      return { network: c.name }
  }
}

/** The one network or domain all the changes touch, or undefined (all of libvirt). */
export function changesTouch(changes: readonly LibvirtChange[]): LibvirtTouches | undefined {
  const each = changes.map(touchOf)
  const first = each[0]
  const key = (t: LibvirtTouches | undefined) => (t ? JSON.stringify(t) : undefined)
  return first && each.every((t) => key(t) === key(first)) ? first : undefined
}

// ---- virsh -----------------------------------------------------------------

const hostXml = (h: DhcpHost) => renderString("<host mac='{{mac}}'{{#if name}} name='{{name}}'{{/if}} ip='{{ip}}'/>", h)

/** One virsh command: its words (`$t` standing for a file holding stdin) and that stdin. */
interface VirshCommand {
  words: string[]
  stdin?: string
}

/** The change as one virsh command, or undefined where it needs a script of its own. */
function virshCommand(c: LibvirtChange): VirshCommand | undefined {
  switch (c.op) {
    case 'define-network':
      return { words: ['net-define', '$t'], stdin: c.xml }
    case 'start-network':
      return { words: ['net-start', c.name] }
    case 'autostart-network':
      return { words: ['net-autostart', c.name, ...(c.on ? [] : ['--disable'])] }
    case 'destroy-network':
      return { words: ['net-destroy', c.name] }
    case 'undefine-network':
      return { words: ['net-undefine', c.name] }
    case 'define-pool':
      return { words: ['pool-define', '$t'], stdin: c.xml }
    case 'build-pool':
      return { words: ['pool-build', c.name] }
    case 'start-pool':
      return { words: ['pool-start', c.name] }
    case 'autostart-pool':
      return { words: ['pool-autostart', c.name, ...(c.on ? [] : ['--disable'])] }
    case 'update-dhcp-host':
      return { words: ['net-update', c.network, c.action, 'ip-dhcp-host', hostXml(c.host), ...(c.live ? ['--live', '--config'] : ['--config'])] }
    case 'update-device':
      if (c.live === 'or-next-boot') return undefined
      return { words: ['update-device', c.domain, '$t', ...(c.live ? ['--live', '--config'] : ['--config'])], stdin: c.xml }
    default:
      return undefined
  }
}

/** One virsh command as a script: its XML through a temp file (virsh takes XML from files only). */
function commandScript({ words, stdin }: VirshCommand): { command: string; stdin?: string } {
  const at = words.indexOf('$t')
  if (at < 0) return { command: virsh(...words) }
  return { command: virshWithXmlFile(words[0], words.slice(1, at), words.slice(at + 1)), stdin }
}

/**
 * Live and persistent by virsh, in one script; where libvirt refuses the
 * live change, the persistent config still moves (the guest takes it at its
 * next boot) and the script fails, saying so.
 */
function liveOrNextBootScript(domain: string, refused: { message: string; hint: string }): string {
  return [
    't=$(mktemp) || exit 1',
    'cat > "$t"',
    `if why=$(${virsh('update-device', domain)} "$t" --live --config 2>&1 >/dev/null); then rm -f "$t"; exit 0; fi`,
    `${virsh('update-device', domain)} "$t" --config; rc=$?; rm -f "$t"`,
    '[ $rc -eq 0 ] || exit $rc',
    `printf '%s (%s); %s\\n' ${quote(refused.message)} "$why" ${quote(refused.hint)} >&2`,
    'exit 3',
  ].join('\n')
}

/** A change that is a script of its own (not one virsh command). */
function ownScript(c: LibvirtChange): { command: string; stdin?: string } | undefined {
  if (c.op === 'restart-network') return { command: `${virsh('net-destroy', c.name)} && ${virsh('net-start', c.name)}` }
  if (c.op === 'update-device' && c.live === 'or-next-boot') return { command: liveOrNextBootScript(c.domain, c.refused), stdin: c.xml }
  return undefined
}

/**
 * The changes as one shell script: one change as its own virsh command (or
 * script); several as one virsh process (virshSequence), which goes on
 * after a failed command — so only lists where that is harmless (define,
 * then autostart and start it; stop, then undefine), each change a plain
 * virsh command, at most one with XML.
 */
export function virshScript(changes: readonly LibvirtChange[]): { command: string; stdin?: string } {
  if (changes.length === 0) throw new Error('virshScript: no changes')
  const virshOnly = changes.find((c) => VIRSH_ONLY.has(c.op))
  if (virshOnly) throw new Error(`virshScript: ${virshOnly.op} is not one script`)
  if (changes.length === 1) return ownScript(changes[0]) ?? commandScript(virshCommand(changes[0])!)
  const commands = changes.map((c) => {
    const cmd = virshCommand(c)
    if (!cmd) throw new Error(`virshScript: ${c.op} cannot share a virsh process`)
    return cmd
  })
  const withXml = commands.filter((c) => c.stdin !== undefined)
  if (withXml.length > 1) throw new Error('virshScript: more than one change with XML')
  return { command: virshSequence(commands.map((c) => c.words)), stdin: withXml[0]?.stdin }
}

async function waitShutOff(conn: Connection, domain: string, seconds: number): Promise<boolean> {
  const res = await conn.exec(`i=0; while [ "$(${virsh('domstate', domain)})" != "shut off" ]; do i=$((i+1)); [ $i -le ${seconds * 2} ] || exit 1; sleep 0.5; done`)
  return res.code === 0
}

/** shutdown-edit-start by virsh: live where libvirt can (resolves true); else down, edited, up again, with a bounded wait (false). */
async function shutdownEditStart(conn: Connection, c: Extract<LibvirtChange, { op: 'shutdown-edit-start' }>, summary: string): Promise<boolean> {
  const res = await conn.exec(virshWithXmlFile('update-device', [c.domain], ['--live', '--config']), { stdin: c.xml })
  if (res.code === 0) return true
  const why = res.stderr.trim()
  await runChecked(conn, virsh('shutdown', c.domain), `shut down ${c.domain}`)
  if (!(await waitShutOff(conn, c.domain, c.timeoutSec))) {
    throw new KvmplayError(
      'timeout',
      `${conn.host}: ${c.domain} did not shut down within ${c.timeoutSec} s (live change failed: ${why}); nothing was changed — shut it down yourself or raise shutdownTimeout`,
    )
  }
  await runChecked(conn, virshWithXmlFile('update-device', [c.domain], ['--config']), summary, c.xml)
  await runChecked(conn, virsh('start', c.domain), `start ${c.domain}`)
  return false
}

type Relink = Extract<LibvirtChange, { op: 'relink' }>

/** Exit code of relinkScript where a NIC's down or up was refused (its lines on stderr say which). */
const RELINK_REFUSED = 5

/** A line of one's own for a message virsh may spread over several. */
const oneLine = (v: string) => `"$(printf '%s' "${v}" | tr '\\n' ' ')"`

/**
 * relink as one script on the host: every NIC down, one wait for all, every
 * NIC that went down up again. Hang-ups, interrupts and broken pipes are
 * ignored, so once a link is down its up runs whatever happens to kvmplay or
 * its connection; each up is tried three times, a second apart. A refused
 * down or up is a line `down|up INDEX MESSAGE` on stderr, and exit
 * RELINK_REFUSED. update-device --live with the interface's XML, not `virsh
 * domif-setlink`: that one changes the persistent config instead where the
 * domain is not running (it could have stopped since the move); --live
 * refuses then.
 */
export function relinkScript(c: Relink): string {
  const update = (n: RelinkNic, file: string) => `why=$(${virsh('update-device', n.domain)} "$t/${file}" --live 2>&1)`
  const lines = ["trap '' HUP INT TERM PIPE", 't=$(mktemp -d) || exit 1', "bad=0 down=' '"]
  c.nics.forEach((n, i) => {
    lines.push(`printf '%s\\n' ${quote(withLinkState(n.xml, 'down'))} >"$t/d${i}"`, `printf '%s\\n' ${quote(withLinkState(n.xml, 'up'))} >"$t/u${i}"`)
  })
  c.nics.forEach((n, i) => {
    lines.push(`if ${update(n, `d${i}`)}; then down="\${down}${i} "; else bad=1; printf 'down ${i} %s\\n' ${oneLine('$why')} >&2; fi`)
  })
  lines.push(`[ "$down" = ' ' ] || sleep ${c.seconds}`)
  c.nics.forEach((n, i) => {
    lines.push(
      `case $down in *' ${i} '*)`,
      `  n=0; until ${update(n, `u${i}`)}; do n=$((n+1)); [ $n -lt 3 ] || break; sleep 1; done`,
      `  [ $n -lt 3 ] || { bad=1; printf 'up ${i} %s\\n' ${oneLine('$why')} >&2; } ;;`,
      'esac',
    )
  })
  lines.push('rm -rf "$t"', `[ $bad = 0 ] || exit ${RELINK_REFUSED}`)
  return lines.join('\n')
}

const nicWords = (n: RelinkNic) => `${n.domain} ${n.mac}`
const setUp = (n: RelinkNic) => `\`virsh domif-setlink ${n.domain} ${n.mac} up\``

/** The relink on the host, bounded (the wait and a minute); every failure says which guest's link is left how, and what to run. */
async function relink(conn: Connection, c: Relink): Promise<void> {
  const all = c.nics.map(nicWords).join(', ')
  let res
  try {
    res = await conn.exec(relinkScript(c), { timeoutMs: c.seconds * 1000 + RELINK_TIMEOUT_MS, label: `relink ${all}` })
  } catch (err) {
    const fix = c.nics.map((n) => `\`virsh domif-getlink ${n.domain} ${n.mac}\` and, if it says down, ${setUp(n)}`).join('; ')
    throw new KvmplayError('command', `${conn.host}: the relink of ${all} was cut short (${(err as Error).message}); their links may still be down — the host sets them up by itself unless libvirt is stuck: check with ${fix}`, { cause: err })
  }
  if (res.code === 0) return
  const refused = [...res.stderr.matchAll(/^(down|up) (\d+) (.*)$/gm)].map((m) => ({ phase: m[1], nic: c.nics[Number(m[2])], why: m[3].trim() })).filter((r) => r.nic)
  if (res.code !== RELINK_REFUSED || refused.length === 0) {
    throw new KvmplayError('command', `${conn.host}: the relink of ${all} failed (exit ${res.code}: ${(res.stderr || res.stdout).trim()}); check each with \`virsh domif-getlink DOMAIN MAC\``)
  }
  const left = refused.filter((r) => r.phase === 'up')
  const unchanged = refused.filter((r) => r.phase === 'down')
  const parts = [
    ...(left.length ? [`LINK LEFT DOWN: ${left.map((r) => `${nicWords(r.nic)} (${r.why})`).join(', ')} — set down for the relink, libvirt refused to set it up again; cut off until ${left.map((r) => setUp(r.nic)).join(', ')} succeeds`] : []),
    ...(unchanged.length ? [`moved, but the link of ${unchanged.map((r) => `${nicWords(r.nic)} (${r.why})`).join(', ')} could not be set down for the relink; not changed, it keeps its old address until its DHCP lease renews`] : []),
  ]
  throw new KvmplayError('command', `${conn.host}: ${parts.join('; ')}`)
}

// ---- RPC -------------------------------------------------------------------

/**
 * The changes through libvirt's API, one after another. A network is
 * looked up once for the list (a define hands back its own reference). A
 * LibvirtCallError is libvirt refusing a change.
 */
export async function applyLibvirtChanges(api: LibvirtChangeApi, changes: readonly LibvirtChange[]): Promise<void> {
  const nets = new Map<string, NetRef>()
  const network = async (name: string) => nets.get(name) ?? nets.set(name, await api.lookupNetwork(name)).get(name)!
  const pools = new Map<string, PoolRef>()
  const pool = async (name: string) => pools.get(name) ?? pools.set(name, await api.lookupPool(name)).get(name)!
  for (const c of changes) {
    switch (c.op) {
      case 'define-network':
        nets.set(c.name, await api.defineNetwork(c.xml))
        break
      case 'start-network':
        await api.startNetwork(await network(c.name))
        break
      case 'autostart-network':
        await api.setNetworkAutostart(await network(c.name), c.on)
        break
      case 'destroy-network':
        await api.destroyNetwork(await network(c.name))
        break
      case 'undefine-network':
        await api.undefineNetwork(await network(c.name))
        break
      case 'restart-network': {
        const ref = await network(c.name)
        await api.destroyNetwork(ref)
        await api.startNetwork(ref)
        break
      }
      case 'update-dhcp-host': {
        const flags = c.live ? VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG : VIR_NETWORK_UPDATE_AFFECT_CONFIG
        await api.updateNetwork(await network(c.network), VIR_NETWORK_UPDATE_COMMAND[c.action], VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, hostXml(c.host), flags)
        break
      }
      case 'update-device':
        await updateDevice(api, await api.lookupDomain(c.domain), c)
        break
      case 'define-pool':
        pools.set(c.name, await api.definePool(c.xml))
        break
      case 'build-pool':
        await api.buildPool(await pool(c.name))
        break
      case 'start-pool':
        await api.startPool(await pool(c.name))
        break
      case 'autostart-pool':
        await api.setPoolAutostart(await pool(c.name), c.on)
        break
      case 'shutdown-edit-start':
      case 'relink':
        throw new Error(`${c.op} goes by virsh only`)
    }
  }
}

async function updateDevice(api: LibvirtChangeApi, ref: DomRef, c: Extract<LibvirtChange, { op: 'update-device' }>): Promise<void> {
  if (c.live !== 'or-next-boot') return api.updateDevice(ref, c.xml, c.live ? VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_CONFIG)
  try {
    return await api.updateDevice(ref, c.xml, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG)
  } catch (err) {
    if (!(err instanceof LibvirtCallError)) throw err
    await api.updateDevice(ref, c.xml, VIR_DOMAIN_AFFECT_CONFIG)
    throw new LibvirtCallError(`${c.refused.message} (${err.message}); ${c.refused.hint}`, err.code)
  }
}

/** The changes over this connection's read-write session; false where the host allows none (then virsh runs). */
async function overRpc(conn: Connection, summary: string, changes: readonly LibvirtChange[]): Promise<boolean> {
  const api = await libvirtSession(conn, 'rw')
  if (!api) return false
  try {
    await applyLibvirtChanges(api, changes)
  } catch (err) {
    if (err instanceof KvmplayError) throw err
    if (!(err instanceof LibvirtCallError)) {
      // The libvirt channel broke: if the SSH link went with it, say that (the host is unreachable).
      dropLibvirtSession(conn, 'rw', api)
      await conn.exec(':')
    }
    throw new KvmplayError('command', `${conn.host}: ${summary} failed: ${(err as Error).message}`)
  }
  return true
}

// ---- the step --------------------------------------------------------------

/** A step made by libvirtChangeStep: it carries its changes (what a plan's test asserts). */
export interface LibvirtChangeStep extends ConnectionStep {
  readonly changes: readonly LibvirtChange[]
}

/** The libvirt changes a step makes, or undefined for a step of another kind. */
export const changesOf = (step: object): readonly LibvirtChange[] | undefined => (step as Partial<LibvirtChangeStep>).changes

/**
 * A step that makes these libvirt changes: over libvirt's API where the
 * connection's read-write session opens, else by one virsh script (which
 * batches with neighbouring shell steps). It touches the one network or
 * domain the changes share, or all of libvirt. A virsh-only change
 * (VIRSH_ONLY) must be the step's only change.
 *
 * @example
 * ```ts
 * libvirtChangeStep('start network br0', [{ op: 'start-network', name: 'br0' }])
 * ```
 */
export function libvirtChangeStep(summary: string, changes: readonly LibvirtChange[], opts: { diff?: FileDiff } = {}): LibvirtChangeStep {
  const one = changesTouch(changes)
  // A list over several things that changes a pool: every pool too (a network's restart alone leaves the pools be).
  const touches = [...libvirtTouches(one), ...(!one && changes.some((c) => c.op.endsWith('-pool')) ? [resource.libvirtPool()] : [])]
  const virshOnly = changes.find((c): c is Extract<LibvirtChange, { op: 'relink' | 'shutdown-edit-start' }> => VIRSH_ONLY.has(c.op))
  if (virshOnly) {
    if (changes.length > 1) throw new Error(`libvirtChangeStep: ${virshOnly.op} must be a step's only change`)
    const run = async (conn: Connection) => {
      if (virshOnly.op === 'relink') await relink(conn, virshOnly)
      else await shutdownEditStart(conn, virshOnly, summary)
    }
    return { summary, diff: opts.diff, touches, changes, run }
  }
  const { command, stdin } = virshScript(changes)
  return {
    ...commandStep(summary, command, { stdin, touches, diff: opts.diff }),
    native: (conn) => overRpc(conn, summary, changes),
    changes,
  }
}
