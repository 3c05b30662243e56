/**
 * How a lab host keeps its network: its profile. Pure: parsing `--profile`,
 * the round-robin assignment over a fleet, which network system each profile
 * runs at boot, and what it needs. The files each profile persists its
 * network in are layouts.ts's.
 *
 * - none: a host with no network system; the lab configures eth0 with
 *   iproute2 from outside, the ifcfg file is there but nothing reads it.
 * - network-scripts: CentOS 7's own network scripts (src/lab/network-scripts/,
 *   unmodified) bring eth0 up from the ifcfg file CentOS 7's installer
 *   wrote, at boot, as network.service.
 * - networkmanager: NetworkManager (on the host's system D-Bus) brings eth0
 *   up from the keyfile RHEL 9's installer wrote.
 * - ifupdown, ifupdown-installer, ifupdown-cloud: Debian's ifupdown, at boot
 *   as networking.service and udev run it, from /etc/network/interfaces as an
 *   admin writes it (`auto eth0`), as Debian's installer writes it
 *   (`allow-hotplug eth0`), or as a Debian cloud image has it (a `source`
 *   line; eth0 in interfaces.d/50-cloud-init, from cloud-init).
 * - netplan, netplan-installer, netplan-cloud: `netplan generate` renders
 *   /etc/netplan for NetworkManager, which then runs as in networkmanager;
 *   the YAML as an admin writes it (01-kvmplay-lab.yaml), as Ubuntu's
 *   installer does (00-installer-config.yaml) or as cloud-init does on an
 *   Ubuntu cloud image (50-cloud-init.yaml).
 * - networkd: systemd-networkd (Debian's /lib/systemd/systemd-networkd, run
 *   by boot.sh as its unit would: user systemd-network, /run/systemd/netif,
 *   on the host's system D-Bus) brings eth0 up from
 *   /etc/systemd/network/10-eth0.network, as on a Debian minimal, Arch or
 *   mkosi image.
 * - netplan-networkd-installer, netplan-networkd-cloud: Ubuntu Server's
 *   default: netplan with no renderer set (networkd) — `netplan generate`
 *   renders /etc/netplan into /run/systemd/network, then networkd runs as in
 *   networkd; the YAML as subiquity writes it (00-installer-config.yaml) or
 *   as cloud-init does on a cloud image (50-cloud-init.yaml).
 * - ifupdown2, proxmox: ifupdown2 (Proxmox VE's, installed in the host from
 *   Debian's package: ifupdown2.ts) brings up /etc/network/interfaces at boot
 *   as its networking.service does: eth0 holding the address (a Debian host
 *   with ifupdown2, before any bridge), or vmbr0 over eth0 as Proxmox VE's
 *   installer writes it.
 * - bare-debian: a bare Debian 12 server, not sharing the machine's /usr: its
 *   own root built from Debian's packages (bare-root.ts), its own dpkg
 *   database, no qemu or libvirt, systemd as PID 1 (bare.ts, bare-boot.sh).
 *   Its own ifupdown (what Debian 12's installer sets up) brings eth0 up, from
 *   /etc/network/interfaces as in ifupdown: `auto eth0`, not the installer's
 *   allow-hotplug, which only udev acts on, and udev does not run in a container.
 */

import type { SystemName } from '../network/systems/index.ts'

export const LAB_PROFILES = [
  'none',
  'network-scripts',
  'networkmanager',
  'ifupdown',
  'ifupdown-installer',
  'ifupdown-cloud',
  'netplan',
  'netplan-installer',
  'netplan-cloud',
  'networkd',
  'netplan-networkd-installer',
  'netplan-networkd-cloud',
  'ifupdown2',
  'proxmox',
  'bare-debian',
] as const
export type LabProfile = (typeof LAB_PROFILES)[number]
export const DEFAULT_PROFILE: LabProfile = 'none'

/**
 * What brings the uplink up at boot (boot.sh starts it): the variants of a system differ only in its files.
 * The names are the registry's (src/network/systems/index.ts), so a system registered there needs its
 * packages here (SYSTEM_PACKAGES); the registry's ifcfg is the lab's network-scripts, none is a host no
 * system keeps, netplan-networkd is the registry's netplan rendering for networkd.
 */
export type NetworkSystem = 'none' | 'network-scripts' | 'netplan-networkd' | Exclude<SystemName, 'ifcfg'>
export function networkSystem(p: LabProfile): NetworkSystem {
  if (p === 'bare-debian') return 'ifupdown'
  if (p === 'ifupdown2' || p === 'proxmox') return 'ifupdown2'
  if (p.startsWith('netplan-networkd')) return 'netplan-networkd'
  if (p.startsWith('ifupdown')) return 'ifupdown'
  if (p.startsWith('netplan')) return 'netplan'
  return p as NetworkSystem
}

/** Profiles whose host has its own root and systemd as PID 1 (bare.ts), not the machine's /usr. */
export const isBare = (p: LabProfile) => p === 'bare-debian'

/** Profiles whose network the lab sets up itself, from outside, with iproute2. */
export const configuredFromOutside = (p: LabProfile) => networkSystem(p) === 'none'

/** Profiles in which NetworkManager runs. */
export const runsNetworkManager = (p: LabProfile) => networkSystem(p) === 'networkmanager' || networkSystem(p) === 'netplan'

/** Profiles in which systemd-networkd runs: directly, or rendered for from netplan. */
export const runsNetworkd = (p: LabProfile) => networkSystem(p) === 'networkd' || networkSystem(p) === 'netplan-networkd'

/**
 * Profiles whose own system can take eth0's address by DHCP (`lab up --dhcp`):
 * NetworkManager's internal DHCP client and systemd-networkd's own, directly
 * or rendered from netplan. ifupdown and ifupdown2 would need dhclient,
 * udhcpc or dhcpcd, none of which is on the machine (and Proxmox's installer
 * writes a static vmbr0); none and network-scripts are configured from outside.
 */
export const supportsDhcp = (p: LabProfile) => runsNetworkManager(p) || runsNetworkd(p)

/** `--dhcp` on a fleet: every profile in it must support it (an error names those that do not). */
export function validateDhcp(profiles: readonly LabProfile[]): void {
  const bad = [...new Set(profiles.filter((p) => !supportsDhcp(p)))]
  if (bad.length > 0) {
    throw new Error(
      `invalid --dhcp: profile ${bad.join(', ')} cannot address eth0 by DHCP in the lab (networkmanager, networkd and the netplan ones can; ifupdown and ifupdown2 would need a DHCP client, none is installed; none and network-scripts are configured from outside)`,
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

/** Debian packages each network system needs on the machine (hosts share its /usr). */
export const SYSTEM_PACKAGES: Record<NetworkSystem, Record<string, string>> = {
  none: {},
  // What CentOS has beside its network scripts: Red Hat's ipcalc (Debian's ipcalc-ng), arping, brctl.
  'network-scripts': { 'ipcalc-ng': '/usr/bin/ipcalc-ng', 'iputils-arping': '/usr/bin/arping', 'bridge-utils': '/usr/sbin/brctl' },
  networkmanager: { 'network-manager': '/usr/sbin/NetworkManager' },
  ifupdown: { ifupdown: '/usr/sbin/ifup', 'bridge-utils': '/usr/sbin/brctl' },
  netplan: { 'netplan.io': '/usr/sbin/netplan', 'network-manager': '/usr/sbin/NetworkManager' },
  // systemd-networkd is part of Debian 12's systemd package (installed even where systemd is not PID 1).
  networkd: { systemd: '/lib/systemd/systemd-networkd' },
  'netplan-networkd': { 'netplan.io': '/usr/sbin/netplan', systemd: '/lib/systemd/systemd-networkd' },
  // ifupdown2 itself conflicts with ifupdown: not installed on the machine but
  // fetched with apt-get download and installed into each such host (ifupdown2.ts).
  // What it runs on: Python 3 and iproute2 (its Depends).
  ifupdown2: { python3: '/usr/bin/python3', iproute2: '/usr/sbin/ip' },
}
