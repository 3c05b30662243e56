/**
 * Which systems keep the host's network, and what they have persisted:
 * NetworkManager (where it runs: its profiles, the device each is active
 * on, the file each is stored in), netplan (/etc/netplan/*.yaml), ifupdown
 * (/etc/network/interfaces and what it sources), the network scripts (their
 * ifup-eth), systemd-networkd (where it runs: /etc/systemd/network and the
 * .network file it applied to each link). Read in one round trip with shell
 * builtins; nmcli only where a system bus runs. Which of them keeps the uplink
 * is each system's call (its `claims`, src/network/systems/<name>/index.ts), from this.
 */
import { parse as parseYaml } from 'yaml'
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export interface NmProfile {
  name: string
  uuid: string
  /** 802-3-ethernet, bridge, bond, vlan… */
  type: string
  /** The device it is active on, if it is. */
  device?: string
  active: boolean
  /** Where NetworkManager keeps it: a keyfile, an ifcfg file (ifcfg-rh), or netplan's generated file in /run. */
  filename?: string
}

export interface PersistedNetworkFile {
  path: string
  content: string
}

/** What the network systems have on the host: which run, and the files each persisted. */
export interface NetworkSystemFacts {
  /** Present where NetworkManager runs. */
  networkManager?: { profiles: NmProfile[] }
  /** netplan's files, each parsed (undefined config: the YAML does not parse). */
  netplan: (PersistedNetworkFile & { config?: unknown })[]
  /** Present where ifupdown is installed: /etc/network/interfaces and the files it sources. */
  ifupdown?: PersistedNetworkFile[]
  /** Present where ifupdown2 is installed instead (its /usr/share/ifupdown2, or an ifreload, which ifupdown lacks; they conflict): the same files. */
  ifupdown2?: PersistedNetworkFile[]
  /** The network scripts can run (their ifup-eth is there). */
  networkScripts: boolean
  /** Present where systemd-networkd runs (or is enabled at boot): its files in /etc/systemd/network, and what it says of each link. */
  networkd?: NetworkdState
}

export interface NetworkdState {
  /** running: a systemd-networkd process is there; enabled: only its unit is enabled (it reads the files at the next boot). */
  state: 'running' | 'enabled'
  /** /etc/systemd/network/*.network, *.netdev, *.link, in the order networkd reads them (by file name). */
  files: PersistedNetworkFile[]
  /** Per link networkd has a state file for (/run/systemd/netif/links/IFINDEX): the .network it applied, the DHCPv4 client ID of its lease. */
  links: { name: string; networkFile?: string; clientId?: string }[]
}

export const NETPLAN_DIR = '/etc/netplan'
export const NETWORKD_DIR = '/etc/systemd/network'
const NETIF = '/run/systemd/netif'
export const INTERFACES = '/etc/network/interfaces'

// Files are printed by the shell's read and printf (no cat): a process each counts on a busy host.
// systemd-networkd counts where it runs in this network namespace (a container's, or a lab
// host's, shows in the parent's /proc but keeps another namespace's links).
const SCRIPT = `show() { printf '@@FILE %s\\n' "$1"; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$1"; }
if [ -S /run/dbus/system_bus_socket ] && command -v nmcli >/dev/null 2>&1 && [ "$(nmcli -t -f RUNNING general 2>/dev/null)" = running ]; then
  echo @@NM; nmcli -t -f NAME,UUID,TYPE,DEVICE,ACTIVE,FILENAME connection show 2>/dev/null
fi
echo @@NETPLAN
for f in ${NETPLAN_DIR}/*.yaml; do [ -f "$f" ] && show "$f"; done
ifupdown=
if [ -d /usr/share/ifupdown2 ] || command -v ifreload >/dev/null 2>&1; then ifupdown=@@IFUPDOWN2
elif command -v ifup >/dev/null 2>&1; then ifupdown=@@IFUPDOWN; fi
if [ -n "$ifupdown" ]; then
  echo "$ifupdown"
  for f in ${INTERFACES} ${INTERFACES}.d/*; do [ -f "$f" ] && show "$f"; done
fi
[ ! -x /etc/sysconfig/network-scripts/ifup-eth ] || echo @@NETWORK-SCRIPTS
nd=; for p in /proc/[0-9]*; do { read -r c < "$p/comm"; } 2>/dev/null && [ "$c" = systemd-network ] && [ "$p/ns/net" -ef /proc/$$/ns/net ] && nd=running && break; done
[ -n "$nd" ] || [ ! -e /etc/systemd/system/multi-user.target.wants/systemd-networkd.service ] || nd=enabled
if [ -n "$nd" ]; then
  echo "@@NETWORKD $nd"
  for d in /sys/class/net/*; do
    { read -r i < "$d/ifindex"; } 2>/dev/null && [ -f ${NETIF}/links/$i ] || continue
    nf=; while IFS= read -r l; do case "$l" in NETWORK_FILE=*) nf=\${l#*=};; esac; done < ${NETIF}/links/$i
    ci=; [ ! -f ${NETIF}/leases/$i ] || while IFS= read -r l; do case "$l" in CLIENTID=*) ci=\${l#*=};; esac; done < ${NETIF}/leases/$i
    printf '@@LINK %s %s %s\n' "\${d##*/}" "\${nf:--}" "\${ci:--}"
  done
  for f in ${NETWORKD_DIR}/*.network ${NETWORKD_DIR}/*.netdev ${NETWORKD_DIR}/*.link; do [ -f "$f" ] && show "$f"; done
fi
true`

/** nmcli -t: fields split on ':', a ':' or '\' inside a value escaped with '\'. */
export function splitTerse(line: string): string[] {
  const fields: string[] = ['']
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '\\' && i + 1 < line.length) fields[fields.length - 1] += line[++i]
    else if (c === ':') fields.push('')
    else fields[fields.length - 1] += c
  }
  return fields
}

function files(text: string): PersistedNetworkFile[] {
  return text
    .split(/^@@FILE /m)
    .slice(1)
    .map((block) => {
      const nl = block.indexOf('\n')
      return { path: block.slice(0, nl === -1 ? undefined : nl), content: nl === -1 ? '' : block.slice(nl + 1) }
    })
}

export function parseNetworkSystem(out: string): NetworkSystemFacts {
  const section = (name: string): string | undefined => {
    const m = new RegExp(`^@@${name}\\n`, 'm').exec(out)
    if (!m) return undefined
    const rest = out.slice(m.index + m[0].length)
    const next = /^@@(?:NM|NETPLAN|IFUPDOWN|IFUPDOWN2|NETWORK-SCRIPTS|NETWORKD .*)$/m.exec(rest)
    return next ? rest.slice(0, next.index) : rest
  }
  const nm = section('NM')
  const netplan = section('NETPLAN') ?? ''
  const ifupdown = section('IFUPDOWN')
  const ifupdown2 = section('IFUPDOWN2')
  return {
    networkManager:
      nm === undefined
        ? undefined
        : {
            profiles: nm
              .split('\n')
              .filter((l) => l.trim())
              .map((l) => {
                const [name, uuid, type, device, active, filename] = splitTerse(l)
                return { name, uuid, type, device: device || undefined, active: active === 'yes', filename: filename || undefined }
              }),
          },
    netplan: files(netplan).map((f) => {
      let config: unknown
      try {
        config = parseYaml(f.content)
      } catch {
        config = undefined
      }
      return { ...f, config }
    }),
    ifupdown: ifupdown === undefined ? undefined : files(ifupdown),
    ifupdown2: ifupdown2 === undefined ? undefined : files(ifupdown2),
    networkScripts: /^@@NETWORK-SCRIPTS$/m.test(out),
    networkd: parseNetworkd(out),
  }
}

function parseNetworkd(out: string): NetworkdState | undefined {
  const m = /^@@NETWORKD (running|enabled)\n/m.exec(out)
  if (!m) return undefined
  const rest = out.slice(m.index + m[0].length)
  const end = /^@@(?:NM|NETPLAN|IFUPDOWN|IFUPDOWN2|NETWORK-SCRIPTS)$/m.exec(rest)
  const text = end ? rest.slice(0, end.index) : rest
  const firstFile = text.search(/^@@FILE /m)
  const head = firstFile === -1 ? text : text.slice(0, firstFile)
  const links = head
    .split('\n')
    .filter((l) => l.startsWith('@@LINK '))
    .map((l) => {
      const [name, nf, ci] = l.slice('@@LINK '.length).split(' ')
      return { name, ...(nf && nf !== '-' ? { networkFile: nf } : {}), ...(ci && ci !== '-' ? { clientId: ci.toLowerCase() } : {}) }
    })
  // networkd reads its files in the order of their names, whatever the suffix.
  const byName = (a: PersistedNetworkFile, b: PersistedNetworkFile) => (a.path.replace(/.*\//, '') < b.path.replace(/.*\//, '') ? -1 : 1)
  return { state: m[1] as 'running' | 'enabled', files: files(firstFile === -1 ? '' : text.slice(firstFile)).sort(byName), links }
}

export const networkSystemFact: Fact<NetworkSystemFacts, void> = {
  name: 'network-system',
  describe: () => 'the network system (NetworkManager, netplan, ifupdown, network scripts, systemd-networkd)',
  // NetworkManager's profiles change only through files (or nmcli, which a user's command is).
  reads: () => [resource.path('/etc/NetworkManager'), resource.path('/run/NetworkManager'), resource.path(NETPLAN_DIR), resource.path('/etc/network'), resource.path('/etc/sysconfig/network-scripts'), resource.path(NETWORKD_DIR), resource.path(NETIF), resource.links],
  command: () => SCRIPT,
  parse: (res) => {
    if (res.code !== 0) throw new KvmplayError('fact', `reading the network system failed (exit ${res.code}): ${res.stderr.trim()}`)
    return parseNetworkSystem(res.stdout)
  },
}
