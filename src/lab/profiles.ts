/**
 * How a lab host keeps its network: its profile. Pure but for reading files of
 * this package: parsing `--profile`,
 * the round-robin assignment over a fleet, and the files each profile's own
 * network system reads at boot.
 *
 * - none: a host with no network system; the lab configures eth0 with
 *   iproute2 from outside, the ifcfg file is there but nothing reads it.
 * - network-scripts: CentOS 7's own network scripts (src/lab/network-scripts/,
 *   unmodified) bring eth0 up from its ifcfg file at boot, as network.service.
 * - networkmanager: NetworkManager (with its own system D-Bus) brings eth0 up
 *   from a keyfile.
 * - ifupdown: `ifup -a` brings eth0 up from /etc/network/interfaces.
 * - netplan: `netplan generate` renders /etc/netplan for NetworkManager, which
 *   then runs as in networkmanager.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { renderTemplate } from '../render.ts'
import { PACKAGE_ROOT } from '../paths.ts'
import type { HostPlan } from './addressing.ts'

export const LAB_PROFILES = ['none', 'network-scripts', 'networkmanager', 'ifupdown', 'netplan'] as const
export type LabProfile = (typeof LAB_PROFILES)[number]
export const DEFAULT_PROFILE: LabProfile = 'none'

/** Profiles whose network the lab sets up itself, from outside, with iproute2. */
export const configuredFromOutside = (p: LabProfile) => p === 'none'

/** Profiles in which NetworkManager (and its D-Bus) runs. */
export const runsNetworkManager = (p: LabProfile) => p === 'networkmanager' || p === 'netplan'

/**
 * Profiles whose own system can take eth0's address by DHCP (`lab up --dhcp`):
 * NetworkManager's internal DHCP client, directly or rendered from netplan.
 * ifupdown would need dhclient, udhcpc or dhcpcd, none of which is on the
 * machine; none and network-scripts are configured from outside.
 */
export const supportsDhcp = (p: LabProfile) => runsNetworkManager(p)

/** `--dhcp` on a fleet: every profile in it must support it (an error names those that do not). */
export function validateDhcp(profiles: readonly LabProfile[]): void {
  const bad = [...new Set(profiles.filter((p) => !supportsDhcp(p)))]
  if (bad.length > 0) {
    throw new Error(
      `invalid --dhcp: profile ${bad.join(', ')} cannot address eth0 by DHCP in the lab (networkmanager and netplan can; ifupdown would need a DHCP client, none is installed; none and network-scripts are configured from outside)`,
    )
  }
}

/** `networkmanager,ifupdown` → the list, in order; an unknown name is an error listing the known ones. */
export function parseProfiles(spec: string): LabProfile[] {
  const names = spec.split(',').map((s) => s.trim())
  if (names.length === 0 || names.some((n) => n === '')) {
    throw new Error(`invalid profile list '${spec}': name one or more of ${LAB_PROFILES.join(', ')}, separated by commas`)
  }
  for (const n of names) {
    if (!(LAB_PROFILES as readonly string[]).includes(n)) {
      throw new Error(`invalid profile '${n}': use one of ${LAB_PROFILES.join(', ')} (or a comma-separated list of them for a mixed fleet)`)
    }
  }
  return names as LabProfile[]
}

/** Host N (1-based) of a fleet gets the profiles in turn: h1 the first, h2 the second, … */
export function profileForHost(profiles: readonly LabProfile[], index: number): LabProfile {
  if (profiles.length === 0) return DEFAULT_PROFILE
  return profiles[(index - 1) % profiles.length]
}

/** Stable UUID of the host's uplink connection (same lab, host and device → same UUID). */
export function connectionUuid(lab: string, host: string, device: string): string {
  const h = createHash('sha1').update(`kvmplay-lab/${lab}/${host}/${device}`).digest('hex')
  // RFC 4122 name-based layout (version 5, variant 10).
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** The uplink as every format describes it (ifcfg, keyfile, interfaces, netplan): DNS is the gateway, where none answers. */
export const uplinkVars = (host: HostPlan, dhcp = false) => ({
  dhcp,
  host: host.name,
  device: host.uplink,
  mac: host.mac,
  address: host.address,
  prefix: host.prefix,
  gateway: host.gateway,
  dns: host.gateway,
})

export interface ProfileFile {
  /** Path inside the host (under its /etc). */
  path: string
  content: string
  mode: number
}

/** The files a host of this profile persists its network in (none for the lab-configured ones beyond ifcfg); with dhcp, eth0 takes its address by DHCP. */
export function profileFiles(labName: string, host: HostPlan, profile: LabProfile, dhcp = false): ProfileFile[] {
  if (dhcp) validateDhcp([profile])
  const vars = uplinkVars(host, dhcp)
  switch (profile) {
    case 'none':
      return []
    case 'network-scripts':
      return networkScriptsFiles()
    case 'networkmanager':
      return [
        {
          path: `/etc/NetworkManager/system-connections/${host.uplink}.nmconnection`,
          // NetworkManager ignores keyfiles that are not root's and 0600.
          content: renderTemplate('lab/eth0.nmconnection.hbs', {
            ...vars,
            mac: host.mac.toUpperCase(),
            uuid: connectionUuid(labName, host.name, host.uplink),
          }),
          mode: 0o600,
        },
      ]
    case 'ifupdown':
      return [{ path: '/etc/network/interfaces', content: renderTemplate('lab/interfaces.hbs', vars), mode: 0o644 }]
    case 'netplan':
      // netplan warns about (and Ubuntu installs) nothing but 0600 here.
      return [{ path: '/etc/netplan/01-kvmplay-lab.yaml', content: renderTemplate('lab/netplan.yaml.hbs', vars), mode: 0o600 }]
  }
}

const NETWORK_SCRIPTS_SRC = join(PACKAGE_ROOT, 'src', 'lab', 'network-scripts')

/**
 * CentOS 7's network scripts where CentOS keeps them (src/lab/network-scripts/README.md):
 * /etc/sysconfig/network-scripts, /etc/rc.d/init.d — and /etc/init.d/functions, which the
 * scripts source (on CentOS /etc/init.d is a link to rc.d/init.d; on Debian a directory).
 */
function networkScriptsFiles(): ProfileFile[] {
  const files = ['sysconfig/network-scripts', 'rc.d/init.d'].flatMap((dir) =>
    readdirSync(join(NETWORK_SCRIPTS_SRC, dir)).map((name) => {
      const src = join(NETWORK_SCRIPTS_SRC, dir, name)
      return { path: `/etc/${dir}/${name}`, content: readFileSync(src, 'utf8'), mode: statSync(src).mode & 0o777 }
    }),
  )
  const functions = files.find((f) => f.path === '/etc/rc.d/init.d/functions')!
  return [...files, { ...functions, path: '/etc/init.d/functions' }, { path: '/etc/sysconfig/network', content: 'NETWORKING=yes\n', mode: 0o644 }]
}

/** NetworkManager's own configuration in a lab host: only what the lab wrote, nothing outside the lab. */
export const networkManagerConf = (): string => renderTemplate('lab/NetworkManager.conf.hbs', {})

/** Debian packages each profile needs on the machine (hosts share its /usr). */
export const PROFILE_PACKAGES: Record<LabProfile, Record<string, string>> = {
  none: {},
  // What CentOS has beside its network scripts: Red Hat's ipcalc (Debian's ipcalc-ng), arping, brctl.
  'network-scripts': { 'ipcalc-ng': '/usr/bin/ipcalc-ng', 'iputils-arping': '/usr/bin/arping', 'bridge-utils': '/usr/sbin/brctl' },
  networkmanager: { 'network-manager': '/usr/sbin/NetworkManager', dbus: '/usr/bin/dbus-daemon' },
  ifupdown: { ifupdown: '/usr/sbin/ifup', 'bridge-utils': '/usr/sbin/brctl' },
  netplan: { 'netplan.io': '/usr/sbin/netplan', 'network-manager': '/usr/sbin/NetworkManager', dbus: '/usr/bin/dbus-daemon' },
}
