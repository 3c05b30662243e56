/**
 * What a host knows of its guests' addresses, as facts: the leases and the
 * neighbour table of a libvirt NAT network's bridge (one command, no virsh:
 * dnsmasq's own status file, which is what libvirt's lease API reads), the
 * neighbour table of any bridge, and the addresses a guest agent reports.
 * Parsers are pure; src/guests/identity.ts classifies from them.
 */
import { KvmplayError } from '../core/errors.ts'
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

/** One lease of libvirt's dnsmasq, as its status file (`/var/lib/libvirt/dnsmasq/BRIDGE.status`) has it. */
export interface DhcpLease {
  mac: string
  ip: string
  hostname?: string
  /** Seconds since the epoch; 0: never expires. */
  expiry: number
}

/** One entry of a link's IPv4 neighbour table (`ip -j -4 neigh show dev …`). */
export interface Neighbour {
  ip: string
  mac?: string
  /** REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT … */
  state: string[]
}

export interface NatAddresses {
  /** The network's bridge, from its running dnsmasq's config; undefined when the network is not running. */
  bridge?: string
  /** The host's clock when read, seconds since the epoch (leases that ended by then are left out). */
  now: number
  leases: DhcpLease[]
  neighbours: Neighbour[]
}

const DNSMASQ_DIR = '/var/lib/libvirt/dnsmasq'

/** States in which the neighbour answered (or recently did); FAILED and INCOMPLETE mean it did not. */
const ANSWERED = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'])
export const answered = (n: Neighbour) => !!n.mac && n.state.some((s) => ANSWERED.has(s))

const bad = (what: string, detail: string) => new KvmplayError('fact', `${what}: ${detail}`)

/** A JSON list's objects (empty text: none); anything else is a fact error. */
function jsonObjects(text: string, what: string): Record<string, unknown>[] {
  if (text.trim() === '') return []
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw bad(what, `not JSON (${(e as Error).message})`)
  }
  if (!Array.isArray(raw)) throw bad(what, 'not a list')
  return raw.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null)
}

/** dnsmasq's status file (a JSON list; empty or absent: no lease), leases that ended before `now` left out. */
export function parseLeaseStatus(text: string, now: number, what = 'dnsmasq status file'): DhcpLease[] {
  return jsonObjects(text, what)
    .filter((l) => typeof l['mac-address'] === 'string' && typeof l['ip-address'] === 'string')
    .map((l) => ({
      mac: (l['mac-address'] as string).toLowerCase(),
      ip: l['ip-address'] as string,
      hostname: typeof l.hostname === 'string' && l.hostname !== '' ? l.hostname : undefined,
      expiry: Number(l['expiry-time'] ?? 0),
    }))
    .filter((l) => l.expiry === 0 || l.expiry > now)
}

/** `ip -j -4 neigh show dev DEV`; empty (no such link): none. */
export function parseNeighbours(text: string, what = 'neighbour table'): Neighbour[] {
  return jsonObjects(text, what)
    .filter((n) => typeof n.dst === 'string')
    .map((n) => ({ ip: n.dst as string, mac: typeof n.lladdr === 'string' ? n.lladdr.toLowerCase() : undefined, state: Array.isArray(n.state) ? (n.state as string[]) : [] }))
}

/** The sections of the NAT script's output. */
export function parseNatOutput(out: string, what: string): NatAddresses {
  const section = (name: string) => new RegExp(`^@@${name}\\n([\\s\\S]*?)(?=^@@|(?![\\s\\S]))`, 'm').exec(out)?.[1] ?? ''
  const now = Number(/^@@NOW (\d+)$/m.exec(out)?.[1])
  if (!Number.isFinite(now) || now <= 0) throw bad(what, `no clock reading in the output:\n${out.slice(0, 300)}`)
  const bridge = /^@@BRIDGE (\S+)$/m.exec(out)?.[1]
  return { bridge, now, leases: parseLeaseStatus(section('LEASES'), now, `${what}: ${DNSMASQ_DIR}/${bridge}.status`), neighbours: parseNeighbours(section('NEIGH'), `${what}: neighbours of ${bridge}`) }
}

/**
 * A NAT network's leases and its bridge's neighbours, by network name. The
 * bridge comes from the config libvirt wrote for the network's dnsmasq
 * (absent while the network is not running: then nothing is known).
 */
export const natAddressesFact: Fact<NatAddresses, string> = {
  name: 'nat-addresses',
  describe: (network) => `leases and neighbours of libvirt network ${network}`,
  // Not the links: the neighbour table changes on its own, and what the run reads is the snapshot
  // before the move, the same for the report and for editDomainInterface's hold on guests configured inside.
  reads: (network) => [resource.path(DNSMASQ_DIR), resource.libvirtNetwork(network)],
  command: (network) =>
    sh`conf=${`${DNSMASQ_DIR}/${network}.conf`}` +
    `\necho "@@NOW $(date +%s)"` +
    `\nbr=$(sed -n 's/^interface=//p' "$conf" 2>/dev/null | head -n 1)` +
    `\n[ -n "$br" ] || exit 0` +
    `\necho "@@BRIDGE $br"` +
    `\necho @@LEASES; cat "${DNSMASQ_DIR}/$br.status" 2>/dev/null; echo` +
    `\necho @@NEIGH; ip -j -4 neigh show dev "$br" 2>/dev/null; echo`,
  parse: (res, network) => {
    if (res.code !== 0) throw bad(`leases of network ${network}`, `exit ${res.code}: ${res.stderr.trim()}`)
    return parseNatOutput(res.stdout, `leases of network ${network}`)
  },
}

/** A link's IPv4 neighbour table (none when the link does not exist). */
export const neighboursFact: Fact<Neighbour[], string> = {
  name: 'neighbours',
  describe: (dev) => `neighbours on ${dev}`,
  reads: () => [resource.links],
  command: (dev) => sh`ip -j -4 neigh show dev ${dev} 2>/dev/null || true`,
  parse: (res, dev) => parseNeighbours(res.stdout, `neighbours on ${dev}`),
}

/** Where to look for guests at their LAN reservations: the bridge, each NIC's MAC and reserved address, and how long to wait for them. */
export interface ReservedProbe {
  bridge: string
  /** [MAC, reserved address, whether to wait for it], sorted: the cache's identity. */
  reserved: [string, string, boolean][]
  /** Seconds to keep asking for those waited for that do not answer yet (the others are asked once). */
  waitSeconds: number
}

/** At most this long a probe waits for guests to take their reservations (the facts' own deadline is longer). */
export const MAX_RESERVED_WAIT_SECONDS = 60

/**
 * The bridge's neighbour table after asking each guest NIC at its LAN
 * reservation: the hypervisor pings the reserved address out of the bridge,
 * so the guest's ARP answer (an ICMP firewall does not stop it) puts its MAC
 * there, as no passive look can — on a bridge the guests talk to the LAN's
 * router, not to the hypervisor. Those waited for and not there yet (still
 * taking their lease after the move) are asked again for up to waitSeconds.
 * Where the host has no ping, the table as it is.
 */
export const reservedNeighboursFact: Fact<Neighbour[], ReservedProbe> = {
  name: 'reserved-neighbours',
  describe: ({ bridge, reserved }) => `neighbours on ${bridge}, asked at ${reserved.length} reserved address(es)`,
  reads: () => [resource.links],
  command: ({ bridge, reserved, waitSeconds }) => {
    const wait = Math.max(0, Math.min(MAX_RESERVED_WAIT_SECONDS, Math.floor(waitSeconds)))
    const pairs = reserved.map(([mac, ip, waited]) => sh`${`${mac}=${ip}=${waited ? 1 : 0}`}`).join(' ')
    return [
      sh`br=${bridge}`,
      `end=$(( $(date +%s) + ${wait} ))`,
      'first=1',
      'if command -v ping >/dev/null 2>&1; then while :; do',
      '  missing=""',
      `  for p in ${pairs}; do m=\${p%%=*} r=\${p#*=}; a=\${r%%=*} w=\${r#*=}`,
      '    ip -4 neigh show dev "$br" to "$a" 2>/dev/null | grep -qiE "lladdr $m( router)? (REACHABLE|STALE|DELAY|PROBE|PERMANENT)" && continue',
      // Every one asked in the first round; after it, only those waited for.
      '    [ -n "$first" ] || [ "$w" = 1 ] || continue',
      '    missing="$missing $a"',
      '  done',
      '  first=""',
      '  [ -n "$missing" ] || break',
      '  for a in $missing; do ping -c 1 -W 1 -I "$br" "$a" >/dev/null 2>&1 & done; wait',
      // Past the deadline: the table as the last pings left it.
      '  [ "$(date +%s)" -lt "$end" ] || break',
      '  sleep 0.5',
      'done; fi',
      'ip -j -4 neigh show dev "$br" 2>/dev/null || true',
    ].join('\n')
  },
  parse: (res, { bridge }) => parseNeighbours(res.stdout, `neighbours on ${bridge}`),
}

/** What a guest agent says of a guest's addresses, or why it could not be asked. */
export type AgentAddresses = { ok: true; addresses: { mac: string; ip: string; prefix: number }[] } | { ok: false; error: string }

/**
 * `virsh -q domifaddr DOMAIN --source agent`: lines of name, MAC, protocol,
 * address/prefix; a NIC with several addresses has `-` for its name and MAC on the
 * later lines. ipv4 only: that is what the NAT network gave.
 */
export function parseAgentAddresses(code: number, out: string): AgentAddresses {
  if (code !== 0) return { ok: false, error: out.trim().split('\n').pop() ?? `virsh exit ${code}` }
  const addresses: { mac: string; ip: string; prefix: number }[] = []
  let mac = ''
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 4) continue
    if (f[1] !== '-') mac = f[1].toLowerCase()
    const [ip, prefix] = f[3].split('/')
    if (f[2] === 'ipv4' && mac && ip) addresses.push({ mac, ip, prefix: Number(prefix ?? 32) })
  }
  return { ok: true, addresses }
}

export const agentAddressesFact: Fact<AgentAddresses, string> = {
  name: 'agent-addresses',
  describe: (domain) => `guest agent addresses of ${domain}`,
  reads: (domain) => [resource.libvirtDomain(domain), resource.links],
  command: (domain) => sh`virsh -q domifaddr ${domain} --source agent 2>&1`,
  parse: (res) => parseAgentAddresses(res.code, res.stdout),
}
