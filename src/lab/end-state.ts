/**
 * What a run left on a lab host, read on the host (never from kvmplay's
 * report): the bridge as it runs and as the host's own network system would
 * bring it up at the next boot, where each guest NIC points, and any cutover
 * still undecided. The stress suite's verdict: a host is consistent when it
 * boots as it runs, no guest points at a bridge or network that is not
 * there, and no cutover waits on a controller that has gone.
 */
import type { HostPlan } from './addressing.ts'
import { networkSystem } from './profiles.ts'
import type { LabProfile, NetworkSystem } from './profiles.ts'

/** Where each network system keeps what it brings up at boot. */
const CONFIG_DIRS: Partial<Record<NetworkSystem, string>> = {
  networkmanager: '/etc/NetworkManager/system-connections',
  netplan: '/etc/netplan',
  ifupdown: '/etc/network',
  'network-scripts': '/etc/sysconfig/network-scripts',
  networkd: '/etc/systemd/network',
  'netplan-networkd': '/etc/netplan',
  ifupdown2: '/etc/network',
}

export interface HostEndState {
  host: string
  /** br0 at run time: there and carrying the host's address, or not there. */
  runtime: 'bridged' | 'unbridged'
  /** br0 in the files the host's own system reads at boot; unknown where nothing reads them (profile none). */
  persisted: 'bridged' | 'unbridged' | 'unknown'
  /** Guest NICs on br0, on libvirt's default network, and those pointing at a bridge or network the host does not have. */
  guests: { onBridge: number; onDefault: number; dangling: string[] }
  /** Whether libvirt's default network is defined. */
  defaultNetwork: boolean
  /** Cutover directories in /run/kvmplay with neither a confirmation nor a rollback decided. */
  undecided: string[]
}

/** One script, one round trip: sections the parser below reads. */
export function endStateScript(bridge: string, profile: LabProfile): string {
  const dir = CONFIG_DIRS[networkSystem(profile)]
  return [
    `echo "@@RUNTIME $(ip -4 -o addr show dev ${bridge} 2>/dev/null | wc -l)"`,
    // Lines that are not comments (a file kvmplay wrote says in a comment that the bridge was removed), in files the system reads (no hidden ones).
    dir ? `echo "@@PERSISTED $(grep -rlsE '^[^#;]*(^|[^a-z0-9])${bridge}([^a-z0-9]|$)' ${dir} | grep -v '/\\.' | wc -l)"` : 'echo "@@PERSISTED unknown"',
    `echo "@@DEFAULT $(virsh -q net-list --all --name 2>/dev/null | grep -cx default)"`,
    'echo @@NICS',
    // type, source, and whether that source is there: a bridge at run time, a network defined.
    `for d in $(virsh -q list --all --name 2>/dev/null); do virsh -q domiflist --inactive "$d" 2>/dev/null | while read -r _ type src _; do ` +
      `case $type in bridge) [ -e "/sys/class/net/$src" ] && ok=1 || ok=0 ;; network) virsh -q net-info "$src" >/dev/null 2>&1 && ok=1 || ok=0 ;; *) ok=1 ;; esac; echo "$d $type $src $ok"; done; done`,
    'echo @@UNDECIDED',
    'for c in /run/kvmplay/cutover-*; do [ -d "$c" ] && [ ! -e "$c/decided" ] && echo "${c##*/}"; done; true',
  ].join('\n')
}

export function parseEndState(host: HostPlan, bridge: string, out: string): HostEndState {
  const value = (name: string) => new RegExp(`^@@${name} (\\S+)$`, 'm').exec(out)?.[1]
  const section = (name: string) => (new RegExp(`^@@${name}\\n([\\s\\S]*?)(?=^@@|(?![\\s\\S]))`, 'm').exec(out)?.[1] ?? '').split('\n').filter(Boolean)
  const nics = section('NICS').map((l) => l.split(' '))
  const persisted = value('PERSISTED')
  return {
    host: host.name,
    runtime: Number(value('RUNTIME')) > 0 ? 'bridged' : 'unbridged',
    persisted: persisted === 'unknown' || persisted === undefined ? 'unknown' : Number(persisted) > 0 ? 'bridged' : 'unbridged',
    guests: {
      onBridge: nics.filter(([, type, src]) => type === 'bridge' && src === bridge).length,
      onDefault: nics.filter(([, type, src]) => type === 'network' && src === 'default').length,
      dangling: nics.filter(([, , , ok]) => ok === '0').map(([d, type, src]) => `${d} on ${type} ${src}`),
    },
    defaultNetwork: value('DEFAULT') === '1',
    undecided: section('UNDECIDED'),
  }
}

/** What is wrong with the end state, or nothing: the host boots as it runs, no guest points nowhere, no cutover left undecided. */
export function inconsistencies(s: HostEndState): string[] {
  const wrong: string[] = []
  if (s.persisted !== 'unknown' && s.persisted !== s.runtime) wrong.push(`runs ${s.runtime} but would boot ${s.persisted}`)
  if (s.guests.dangling.length) wrong.push(`guest NICs pointing nowhere: ${s.guests.dangling.join(', ')}`)
  if (s.undecided.length) wrong.push(`cutover still undecided: ${s.undecided.join(', ')}`)
  return wrong
}

/** One word for where the host stands: what the migration did so far. */
export function phase(s: HostEndState): string {
  if (s.runtime === 'unbridged') return s.guests.onBridge ? 'guests on a bridge that is gone' : 'not bridged'
  if (s.guests.onDefault === 0 && !s.defaultNetwork) return 'migrated'
  return s.guests.onDefault ? 'bridged, guests still on default' : 'bridged, default still defined'
}
