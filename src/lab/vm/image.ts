/**
 * The lab VM's disk image: Debian 12 with Debian's own kernel, which has
 * bonding, 8021q, openvswitch and dummy as modules (the machine's kernel has
 * none of them, and its PVM /dev/kvm boots no other kernel: the VM runs under
 * TCG). Built offline from Debian's packages, from the machine's configured
 * mirror, and cached in /var/cache/kvmplay-lab like the bare hosts' root
 * (cached-build.ts), keyed by its inputs.
 *
 * - mmdebstrap builds the root (variant minbase plus VM_PACKAGES); installing
 *   linux-image-amd64 there runs initramfs-tools, so the image carries its own
 *   kernel, modules and initramfs: modprobe inside finds the modules of the
 *   kernel it runs.
 * - `mke2fs -d` makes the ext4 image from the root directory: no loop mount,
 *   no root-only block device.
 * - The kernel and initramfs are copied out beside the image for direct kernel
 *   boot (no boot loader, no firmware boot menu to wait through).
 *
 * Root's SSH key is not in the image: systemd provisions
 * /root/.ssh/authorized_keys at boot from the `ssh.authorized_keys.root`
 * credential (its tmpfiles.d/provision.conf), which the boot passes on the
 * kernel command line, so one image serves every lab's key. The host keys are
 * generated once at build time and the public one kept beside the image, so
 * the controller checks the VM's host key strictly.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from '../sh.ts'
import { BARE_MIRROR, BARE_SUITE } from '../bare-root.ts'
import { STOCK_CACHE } from '../stock.ts'
import { ensureCachedDir, isBuilt } from '../cached-build.ts'
import { VM_NETWORK_FILE, VM_NETWORK_UNIT } from './guest-net.ts'

/**
 * systemd as init with its bus and udev (udev loads the modules the virtio
 * devices need), kmod for modprobe, sshd, iproute2 (ip, bridge), ping, and
 * Debian's kernel with its initramfs.
 */
export const VM_PACKAGES = ['linux-image-amd64', 'systemd', 'systemd-sysv', 'dbus', 'udev', 'kmod', 'openssh-server', 'iproute2', 'iputils-ping'] as const
/** Bumped when the build itself changes (hooks, files written into the root), so old images are not reused. */
const BUILD_REVISION = '1'
/** Free room in the image above what the root holds: the lab's hosts write there. */
const FREE_MIB = 512

export interface VmImage {
  dir: string
  /** The ext4 image of the root: raw, read-only to every boot (each boots an overlay of it). */
  disk: string
  kernel: string
  initrd: string
  /** The VM's ed25519 host key, public: a `known_hosts` line's key part. */
  hostKey: string
}

export function vmCacheKey(packages: readonly string[] = VM_PACKAGES): string {
  const text = JSON.stringify({ suite: BARE_SUITE, packages: [...packages].sort(), net: VM_NETWORK_FILE, rev: BUILD_REVISION })
  return createHash('sha256').update(text).digest('hex').slice(0, 12)
}

export const vmDir = (cache = STOCK_CACHE, key = vmCacheKey()) => join(cache, `vm-debian-12-${key}`)

function paths(dir: string): VmImage {
  return {
    dir,
    disk: join(dir, 'disk.img'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    hostKey: isBuilt(dir) ? readFileSync(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ') : '',
  }
}

/** The image, built first when missing (cold: mmdebstrap and mke2fs). `built` says how long that took, if it ran. */
export async function vmImage(log: (line: string) => void = () => {}): Promise<VmImage & { built?: number }> {
  const dir = vmDir()
  if (!isBuilt(dir)) log(`vm: building the Debian 12 image in ${dir} (once; mmdebstrap from ${BARE_MIRROR})`)
  const built = await ensureCachedDir(dir, (tmp) => buildImage(tmp))
  if (built !== undefined) log(`vm: image built in ${built.toFixed(1)} s`)
  return { ...paths(dir), built }
}

async function buildImage(tmp: string): Promise<void> {
  const root = join(tmp, 'root')
  const out = paths(tmp)
  // The guest's NIC configuration and its networkd, written in the root (guest-net.ts says why).
  const net = `printf '%s' ${shq(VM_NETWORK_FILE)} >"$1/etc/systemd/network/${VM_NETWORK_UNIT}" && chroot "$1" systemctl enable systemd-networkd`
  // A name of its own; no apt lists (the VM installs nothing: it has no route off the machine).
  const tidy = `echo kvmplay-vm >"$1/etc/hostname" && rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin`
  const res = await $({ nothrow: true })`nice -n 10 mmdebstrap --quiet --variant=minbase --include=${VM_PACKAGES.join(',')} --customize-hook=${net} --customize-hook=${tidy} ${BARE_SUITE} ${root} ${BARE_MIRROR}`
  if (res.exitCode !== 0) throw new Error(`mmdebstrap failed (exit ${res.exitCode}):\n${res.stderr.trim().split('\n').slice(-15).join('\n')}`)
  copyFileSync(newest(root, 'boot', 'vmlinuz-'), out.kernel)
  copyFileSync(newest(root, 'boot', 'initrd.img-'), out.initrd)
  copyFileSync(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), join(tmp, 'ssh_host_ed25519_key.pub'))
  // The image: the root's size plus room to write, in whole MiB; mke2fs copies owners, modes and xattrs from the directory.
  const usedKiB = Number((await $`du -sk --apparent-size ${root}`).stdout.split(/\s/)[0])
  const sizeMiB = Math.ceil((usedKiB * 1.1) / 1024) + FREE_MIB
  await $`mke2fs -q -t ext4 -L kvmplay-vm -d ${root} -F ${out.disk} ${`${sizeMiB}M`}`
  writeFileSync(join(tmp, 'packages'), (await $`chroot ${root} dpkg-query -W -f ${'${Package} ${Version}\n'}`).stdout)
  rmSync(root, { recursive: true, force: true })
}

/** The file of `dir` whose name starts with `prefix` (one kernel is installed; the newest name if more). */
function newest(root: string, dir: string, prefix: string): string {
  const names = readdirSync(join(root, dir)).filter((n) => n.startsWith(prefix)).sort()
  if (!names.length) throw new Error(`the VM root has no /${dir}/${prefix}*: did linux-image-amd64 install?`)
  return join(root, dir, names[names.length - 1])
}

/** A shell word: single-quoted. */
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** The image's size on disk (it is sparse) and its apparent size, in MiB. */
export function imageSize(img: VmImage): { diskMiB: number; apparentMiB: number } {
  const st = statSync(img.disk)
  return { diskMiB: Math.round((st.blocks * 512) / 2 ** 20), apparentMiB: Math.round(st.size / 2 ** 20) }
}
