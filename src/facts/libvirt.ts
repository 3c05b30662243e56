/**
 * Everything libvirt knows of its networks and domains. Read over libvirt's
 * RPC protocol where the host allows it (libvirt-remote.ts); otherwise in one
 * round trip and two virsh processes: the names first, then one virsh run of all the info and
 * XML commands (virsh takes `;`-separated commands), framed by `echo`.
 */
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'
import { readLibvirtRemote, refreshLibvirtRemote } from './libvirt-remote.ts'
import { orderLibvirtState } from './libvirt-order.ts'
import { libvirtAccess } from '../libvirt/access.ts'
import { parseNetworkXml } from '../libvirt/network.ts'
import type { NetworkIdentity, NetworkSpec } from '../libvirt/network.ts'
import { domainInterfaces } from '../libvirt/domain.ts'
import type { DomainInterface } from '../libvirt/domain.ts'

export interface LibvirtNetwork {
  name: string
  active: boolean
  autostart: boolean
  persistent: boolean
  bridge?: string
  xml: string
  spec: NetworkSpec
  identity: NetworkIdentity
}

export interface LibvirtDomain {
  name: string
  /** running, shut off, paused … as virsh domstate says. */
  state: string
  xml: string
  liveXml?: string
  interfaces: readonly DomainInterface[]
  liveInterfaces?: readonly DomainInterface[]
}

export interface LibvirtState {
  available: boolean
  networks: Map<string, LibvirtNetwork>
  domains: Map<string, LibvirtDomain>
}

// Two virsh processes, not three: each costs ~20 ms of host CPU (mostly
// loading libvirt's shared libraries), the bulk of a no-op run's host work.
// A failing listing (libvirtd down) fails the fact, not "no networks".
const SCRIPT = `command -v virsh >/dev/null 2>&1 || { echo @@NOVIRSH; exit 0; }
names=$(virsh 'net-list --all --name; echo @@DOMAINS; list --all --name') || exit
c=''; kind=NET
for x in $names; do
  if [ "$x" = @@DOMAINS ]; then kind=DOM
  elif [ $kind = NET ]; then c="$c echo @@NET $x; net-info $x; echo @@XML; net-dumpxml --inactive $x;"
  else c="$c echo @@DOM $x; domstate $x; echo @@XML; dumpxml --inactive $x; echo @@LIVE; dumpxml $x;"
  fi
done
[ -z "$c" ] || virsh "$c"`

/** One network's entry, from what virsh net-info (or the RPC calls behind it) says and its inactive XML. */
export function networkEntry(name: string, info: { active: boolean; autostart: boolean; persistent: boolean; bridge?: string }, xml: string): LibvirtNetwork {
  return { name, ...info, xml: xml.trim() + '\n', ...parseNetworkXml(xml, `network ${name}`) }
}

/** One domain's entry: its state as virsh domstate words it, its inactive XML and (running or paused) its live XML. */
export function domainEntry(name: string, state: string, xml: string, live: string): LibvirtDomain {
  const running = state === 'running' || state === 'paused'
  return {
    name,
    state,
    xml: xml.trim() + '\n',
    liveXml: running ? live.trim() + '\n' : undefined,
    interfaces: domainInterfaces(xml, `domain ${name}`),
    liveInterfaces: running ? domainInterfaces(live, `domain ${name} (live)`) : undefined,
  }
}

/** The virsh script's output as a state, in the one order (libvirt-order.ts) the RPC read has too. */
export function parseLibvirtOutput(out: string): LibvirtState {
  const state: LibvirtState = { available: !out.startsWith('@@NOVIRSH'), networks: new Map(), domains: new Map() }
  for (const block of out.split(/^(?=@@(?:NET|DOM) )/m)) {
    const head = /^@@(NET|DOM) (\S+)\n/.exec(block)
    if (!head) continue
    const [, kind, name] = head
    const body = block.slice(head[0].length)
    if (kind === 'NET') {
      const [info, xml = ''] = body.split(/^@@XML\n/m)
      const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim()
      const flags = { active: field('Active') === 'yes', autostart: field('Autostart') === 'yes', persistent: field('Persistent') === 'yes', bridge: field('Bridge') }
      state.networks.set(name, networkEntry(name, flags, xml))
    } else {
      const [statePart, rest = ''] = body.split(/^@@XML\n/m)
      const [xml, live = ''] = rest.split(/^@@LIVE\n/m)
      state.domains.set(name, domainEntry(name, statePart.trim(), xml, live))
    }
  }
  return orderLibvirtState(state)
}

export const libvirtFact: Fact<LibvirtState, void> = {
  describe: () => 'libvirt networks and domains',
  name: 'libvirt',
  reads: () => [resource.libvirtNetwork(), resource.libvirtDomain()],
  // Over libvirt's RPC protocol where the host allows it (no process on the host); the virsh script otherwise.
  read: (conn) => readLibvirtRemote(conn),
  // After a change to one network or domain, only that one is read again.
  refresh: (conn, current, touched) => refreshLibvirtRemote(conn, current, touched),
  // A login that is not root must be let in by libvirtd: asked once, before any task.
  access: libvirtAccess,
  command: () => SCRIPT,
  parse: (res) => {
    if (res.code !== 0) throw new KvmplayError('fact', `virsh failed (exit ${res.code}): ${res.stderr.trim()} — is libvirtd running?`)
    return parseLibvirtOutput(res.stdout)
  },
}
