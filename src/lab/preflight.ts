/**
 * What the lab needs from the machine, checked before anything is created, so
 * a missing piece is one clear error naming the fix instead of a half-built lab.
 */
import { accessSync, constants } from 'node:fs'
import { SYSTEM_PACKAGES, isBare, networkSystem } from './profiles.ts'
import type { LabProfile } from './profiles.ts'

/** Debian package → a program of it that the lab runs. */
export const LAB_PACKAGES: Record<string, string> = {
  'openssh-server': '/usr/sbin/sshd',
  'openssh-client': '/usr/bin/ssh-keygen',
  iproute2: '/usr/sbin/ip',
  'util-linux': '/usr/bin/unshare',
  'libvirt-daemon': '/usr/sbin/libvirtd',
  'libvirt-clients': '/usr/bin/virsh',
  'libvirt-daemon-config-network': '/usr/share/libvirt/networks/default.xml',
  'dnsmasq-base': '/usr/sbin/dnsmasq',
  iptables: '/usr/sbin/iptables',
  'qemu-system-x86': '/usr/bin/qemu-system-x86_64',
  // Hypervisors have ping; kvmplay's confirmed apply probes the gateway with it.
  'iputils-ping': '/usr/bin/ping',
  // PID 1 of each host: reaps orphans (without it `virsh define` stalls for 40 s).
  tini: '/usr/bin/tini',
  // Login users escalate with them (lab up --login sudo|sudo-nopasswd|doas); su is util-linux's.
  sudo: '/usr/bin/sudo',
  'opendoas': '/usr/bin/doas',
  // The DHCP client (udhcpc) of the guests' stand-ins (lab up --guests, guests.sh).
  busybox: '/usr/bin/busybox',
  // Each full host's system bus, and polkit on it: libvirtd as Debian ships it asks polkit about non-root clients.
  dbus: '/usr/bin/dbus-daemon',
  polkitd: '/usr/lib/polkit-1/polkitd',
  // libvirt-daemon-system's own files are fetched with apt and unpacked with dpkg-deb (stock.ts).
  apt: '/usr/bin/apt-get',
}

/**
 * What the hosts' own network systems need (profiles other than none): on the
 * machine, since hosts share its /usr. bootstrap.sh installs them all.
 */
export const PROFILE_LAB_PACKAGES: Record<string, string> = Object.assign({}, ...Object.values(SYSTEM_PACKAGES))

/**
 * What building and booting bare hosts (profile bare-debian) needs on the
 * machine: mmdebstrap builds their root from Debian's packages, dpkg-dev
 * indexes their local repository, systemd-container's nspawn boots them with
 * systemd as PID 1. Their own network system is in their root, not here.
 */
export const BARE_LAB_PACKAGES: Record<string, string> = {
  mmdebstrap: '/usr/bin/mmdebstrap',
  'dpkg-dev': '/usr/bin/dpkg-scanpackages',
  'systemd-container': '/usr/bin/systemd-nspawn',
}

/**
 * What building and booting the lab VM needs on the machine (src/lab/vm/):
 * mmdebstrap builds its root, e2fsprogs' mke2fs its image, qemu-utils'
 * qemu-img each boot's overlay, qemu-system-x86 runs it under TCG.
 */
export const VM_LAB_PACKAGES: Record<string, string> = {
  mmdebstrap: '/usr/bin/mmdebstrap',
  e2fsprogs: '/usr/sbin/mke2fs',
  'qemu-utils': '/usr/bin/qemu-img',
  'qemu-system-x86': '/usr/bin/qemu-system-x86_64',
}

/**
 * The DHCP servers whose own checkers the reservation tests run on the files
 * kvmplay writes (`dnsmasq --test`, `dhcpd -t`, `kea-dhcp4 -t`): not the lab's,
 * but bootstrap.sh installs them too, never started on the machine.
 */
export const CHECKER_PACKAGES: Record<string, string> = {
  'dnsmasq-base': '/usr/sbin/dnsmasq',
  'isc-dhcp-server': '/usr/sbin/dhcpd',
  'kea-dhcp4-server': '/usr/sbin/kea-dhcp4',
}

export const APT_LINE = `apt-get install -y --no-install-recommends ${Object.keys(LAB_PACKAGES).join(' ')}`

/** The packages a lab of these profiles needs: the lab's own, then those of its profiles. */
export function packagesFor(profiles: readonly LabProfile[] = []): Record<string, string> {
  return Object.assign({}, LAB_PACKAGES, ...profiles.map((p) => (isBare(p) ? BARE_LAB_PACKAGES : SYSTEM_PACKAGES[networkSystem(p)])))
}

export const aptLine = (packages: string[]) => `apt-get install -y --no-install-recommends ${packages.join(' ')}`

export class PreflightError extends Error {
  override name = 'PreflightError'
}

function exists(path: string): boolean {
  try {
    accessSync(path, constants.F_OK)
    return true
  } catch {
    return false
  }
}

export function missingPackages(has: (path: string) => boolean = exists, profiles: readonly LabProfile[] = []): string[] {
  return Object.entries(packagesFor(profiles))
    .filter(([, path]) => !has(path))
    .map(([pkg]) => pkg)
}

export interface Machine {
  platform: NodeJS.Platform
  uid: number
  has: (path: string) => boolean
}

const thisMachine = (): Machine => ({
  platform: process.platform,
  uid: process.getuid?.() ?? -1,
  has: exists,
})

/** Throws a PreflightError that says what to do, or returns when the lab can run. */
export function preflight(machine: Machine = thisMachine(), profiles: readonly LabProfile[] = []): void {
  if (machine.platform !== 'linux') {
    throw new PreflightError(
      `the lab needs Linux (network, mount and PID namespaces); this is ${machine.platform}. Run it on a Debian 12 machine or VM.`,
    )
  }
  if (machine.uid !== 0) {
    throw new PreflightError('the lab creates network namespaces, veth pairs and mounts, which needs root: run it with sudo.')
  }
  const missing = missingPackages(machine.has, profiles)
  if (missing.length > 0) {
    if (missing.some((p) => p in PROFILE_LAB_PACKAGES || p in BARE_LAB_PACKAGES)) {
      // A plain apt-get would start NetworkManager (and ifupdown's networking) on a
      // systemd machine, where it would take over the machine's own network.
      throw new PreflightError(
        `the lab's host profiles (${profiles.join(', ')}) need Debian packages that are missing: ${missing.join(', ')}.\n` +
          `Install them with scripts/bootstrap.sh (as root): it puts a policy-rc.d guard in place first, so that ` +
          `NetworkManager and ifupdown do not start on this machine itself; by hand:\n` +
          `  printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && apt-get update && ` +
          `${aptLine(Object.keys(packagesFor(profiles)))}\n(then remove /usr/sbin/policy-rc.d if it was not there before)`,
      )
    }
    throw new PreflightError(
      `the lab needs Debian packages that are missing: ${missing.join(', ')}.\nInstall them with:\n  apt-get update && ${APT_LINE}`,
    )
  }
}

/** The lab VM's packages that are missing here (VM_LAB_PACKAGES). */
export const missingVmPackages = (has: (path: string) => boolean = exists): string[] =>
  Object.entries(VM_LAB_PACKAGES)
    .filter(([, path]) => !has(path))
    .map(([pkg]) => pkg)
