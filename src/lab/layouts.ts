/**
 * The files a lab host keeps its uplink in, laid out as the tools that write
 * them on real hosts do: Anaconda (CentOS 7's ifcfg file, RHEL 9's keyfile),
 * Debian's installer (netcfg: `allow-hotplug`), Ubuntu's installer
 * (subiquity: 00-installer-config.yaml), cloud-init on Debian and Ubuntu cloud
 * images (its ENI and netplan renderers), and an admin by hand (profiles
 * ifupdown and netplan). Each file is what that tool writes, but for names,
 * addresses and UUIDs, which are the host's. Pure but for reading files of
 * this package.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { renderTemplate } from '../render.ts'
import { PACKAGE_ROOT } from '../paths.ts'
import type { HostPlan } from './addressing.ts'
import { validateDhcp } from './profiles.ts'
import type { LabProfile } from './profiles.ts'

export interface ProfileFile {
  /** Path inside the host (under its /etc). */
  path: string
  content: string
  mode: number
}

/** Stable UUID of the host's uplink connection (same lab, host and device → same UUID). */
export function connectionUuid(lab: string, host: string, device: string): string {
  const h = createHash('sha1').update(`kvmplay-lab/${lab}/${host}/${device}`).digest('hex')
  // RFC 4122 name-based layout (version 5, variant 10).
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** The uplink as every format describes it: DNS is the gateway, where none answers. */
export const uplinkVars = (labName: string, host: HostPlan, dhcp = false) => ({
  dhcp,
  host: host.name,
  device: host.uplink,
  mac: host.mac,
  address: host.address,
  prefix: host.prefix,
  gateway: host.gateway,
  dns: host.gateway,
  uuid: connectionUuid(labName, host.name, host.uplink),
})

/** What cloud-init's Debian and Ubuntu renderers put on top of each file they write (cloudinit/distros/debian.py). */
const CLOUD_INIT_HEADER = `# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
`

/**
 * The uplink as CentOS 7's installer (Anaconda) writes it, on every host: the
 * seed document's starting point, read at boot by the network-scripts
 * profile alone. NM_CONTROLLED is left out, as Anaconda does (the default, yes).
 */
export const ifcfgFile = (labName: string, host: HostPlan): ProfileFile => ({
  path: `/etc/sysconfig/network-scripts/ifcfg-${host.uplink}`,
  content: renderTemplate('lab/ifcfg-uplink.hbs', uplinkVars(labName, host)),
  mode: 0o644,
})

/**
 * The renderer of the netplan profiles on NetworkManager: chosen as Ubuntu
 * Desktop does, in a file of its own, so the installer's and cloud-init's
 * files stay theirs (the netplan-networkd ones leave networkd, the default).
 */
const netplanRenderer = (): ProfileFile => ({ path: '/etc/netplan/01-network-manager-all.yaml', content: renderTemplate('lab/01-network-manager-all.yaml.hbs', {}), mode: 0o600 })

/** The files a host of this profile persists its network in, beside the ifcfg file; with dhcp, eth0 takes its address by DHCP. */
export function profileFiles(labName: string, host: HostPlan, profile: LabProfile, dhcp = false): ProfileFile[] {
  if (dhcp) validateDhcp([profile])
  const vars = uplinkVars(labName, host, dhcp)
  switch (profile) {
    case 'none':
      return []
    case 'network-scripts':
      return networkScriptsFiles()
    case 'networkmanager':
      // As Anaconda on RHEL 9 writes it, named after the NIC. NetworkManager
      // ignores keyfiles that are not root's and 0600.
      return [{ path: `/etc/NetworkManager/system-connections/${host.uplink}.nmconnection`, content: renderTemplate('lab/eth0.nmconnection.hbs', vars), mode: 0o600 }]
    case 'ifupdown':
    case 'bare-debian':
      return [{ path: '/etc/network/interfaces', content: renderTemplate('lab/interfaces.hbs', vars), mode: 0o644 }]
    case 'ifupdown-installer':
      return [{ path: '/etc/network/interfaces', content: renderTemplate('lab/interfaces-installer.hbs', vars), mode: 0o644 }]
    case 'ifupdown-cloud':
      return [
        { path: '/etc/network/interfaces', content: renderTemplate('lab/interfaces-cloud.hbs', vars), mode: 0o644 },
        { path: '/etc/network/interfaces.d/50-cloud-init', content: CLOUD_INIT_HEADER + renderTemplate('lab/50-cloud-init.eni.hbs', vars), mode: 0o644 },
      ]
    case 'netplan':
      // netplan warns about (and Ubuntu installs) nothing but 0600 here.
      return [{ path: '/etc/netplan/01-kvmplay-lab.yaml', content: renderTemplate('lab/netplan.yaml.hbs', vars), mode: 0o600 }]
    case 'netplan-installer':
      return [netplanRenderer(), { path: '/etc/netplan/00-installer-config.yaml', content: renderTemplate('lab/00-installer-config.yaml.hbs', vars), mode: 0o600 }]
    case 'netplan-cloud':
      // cloud-init matches the NIC by its MAC and names it. With NetworkManager
      // netplan renders that as interface-name=eth0 (set-name); the MAC match
      // goes only into a udev rule and a systemd .link file (PermanentMACAddress,
      // which a veth has none of), and neither runs in a lab host: the veth is
      // eth0 from the start, so nothing needs renaming.
      return [netplanRenderer(), { path: '/etc/netplan/50-cloud-init.yaml', content: CLOUD_INIT_HEADER + renderTemplate('lab/50-cloud-init.yaml.hbs', vars), mode: 0o600 }]
    case 'networkd':
      // As the Arch wiki and Debian's wiki document it (and mkosi images ship
      // one per NIC): the NIC by name, in a file of its own, 0644.
      return [{ path: `/etc/systemd/network/10-${host.uplink}.network`, content: renderTemplate('lab/10-eth0.network.hbs', vars), mode: 0o644 }]
    case 'netplan-networkd-installer':
      // Ubuntu Server: no renderer anywhere, so networkd, netplan's default.
      return [{ path: '/etc/netplan/00-installer-config.yaml', content: renderTemplate('lab/00-installer-config.yaml.hbs', vars), mode: 0o600 }]
    case 'netplan-networkd-cloud':
      // cloud-init matches the NIC by MAC (and names it). netplan renders that
      // for networkd as PermanentMACAddress= in the .network (and a .link file
      // for udev), and a veth has no permanent MAC: the match would never
      // hold in a lab host. Here alone the lab matches by name (a comment in
      // the file says so); the rest is cloud-init's.
      return [{ path: '/etc/netplan/50-cloud-init.yaml', content: CLOUD_INIT_HEADER + renderTemplate('lab/50-cloud-init.yaml.hbs', { ...vars, matchByName: true }), mode: 0o600 }]
    case 'ifupdown2':
      // ifupdown2's syntax (address/CIDR); no dns-* (no resolvconf, as on Proxmox).
      return [{ path: '/etc/network/interfaces', content: renderTemplate('lab/interfaces-ifupdown2.hbs', vars), mode: 0o644 }]
    case 'proxmox':
      // As Proxmox VE's installer writes it: the NIC `inet manual`, vmbr0 over
      // it with the address, STP off, forward delay 0, and (PVE 7+) a source
      // line at the end.
      return [{ path: '/etc/network/interfaces', content: renderTemplate('lab/interfaces-proxmox.hbs', vars), mode: 0o644 }]
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
