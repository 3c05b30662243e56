/**
 * The qemu command line of the lab VM (pure: the tests read it).
 *
 * - `-accel tcg`, forced: this machine's /dev/kvm is PVM, which runs only
 *   kernels built for it, not Debian's. tb-size bounds TCG's translation
 *   cache (1 GiB by default in qemu 7.2, most of the 1.5 GB peak RSS measured
 *   for a 1 GiB guest).
 * - q35, virtio disk and NIC, direct kernel boot of the image's own kernel
 *   and initramfs (no firmware boot menu, no boot loader in the image).
 * - The disk is a qcow2 overlay over the cached raw image: the cache stays
 *   pristine, a boot's writes go away with its overlay.
 * - The only network: user-mode (slirp) with restrict=on, so the guest
 *   reaches nothing outside qemu, and one host forward from 127.0.0.1:PORT to
 *   the guest's sshd — nothing of it is reachable off the machine.
 * - The serial console goes to a file (the boot's log, shown when it fails);
 *   no display, no monitor.
 */
import type { VmImage } from './image.ts'

export interface VmBoot {
  /** The qcow2 overlay this boot writes to. */
  overlay: string
  /** The host port forwarded to the guest's port 22 (on 127.0.0.1 only). */
  sshPort: number
  console: string
  pidfile: string
  /** root's authorized_keys line (the lab's public key), provisioned by systemd at boot. */
  authorizedKey: string
  memMiB?: number
  /** TCG's translation cache in MiB; qemu's default (1024 in 7.2) when absent. */
  tbSizeMiB?: number
}

export const VM_MEM_MIB = 1024
/**
 * Measured with the 1 GiB guest booting to sshd and running the kernel checks
 * (bench/vm.ts, a busy 2-core machine): qemu's peak RSS 1071 MiB with the
 * default cache, 723 MiB with 256, 515 MiB with 64, boot time the same
 * within noise (29–33 s). 128 leaves room for the heavier code the lab's
 * hosts will run inside (libvirtd, sshd per host) before retranslation costs.
 */
export const VM_TB_SIZE_MIB = 128

export function kernelCommandLine(authorizedKey: string): string {
  const key = authorizedKey.trim()
  // A quoted parameter may hold spaces (the kernel and systemd both unquote it); a quote inside would end it.
  if (/["\n]/.test(key)) throw new Error(`an SSH public key with a quote or newline cannot go on the kernel command line: ${key}`)
  // systemd.set_credential: tmpfiles' provision.conf writes /root/.ssh/authorized_keys from it (image.ts says why).
  return ['root=/dev/vda', 'rw', 'console=ttyS0', 'quiet', `"systemd.set_credential=ssh.authorized_keys.root:${key}"`].join(' ')
}

export function qemuArgs(img: VmImage, boot: VmBoot): string[] {
  const accel = boot.tbSizeMiB === undefined ? 'tcg' : `tcg,tb-size=${boot.tbSizeMiB}`
  return [
    '-accel', accel,
    '-machine', 'q35',
    '-cpu', 'max',
    '-m', String(boot.memMiB ?? VM_MEM_MIB),
    '-smp', '1',
    '-nodefaults',
    '-display', 'none',
    '-monitor', 'none',
    '-serial', `file:${boot.console}`,
    '-pidfile', boot.pidfile,
    '-kernel', img.kernel,
    '-initrd', img.initrd,
    '-append', kernelCommandLine(boot.authorizedKey),
    '-drive', `file=${boot.overlay},if=virtio,format=qcow2`,
    '-netdev', `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${boot.sshPort}-:22`,
    '-device', 'virtio-net-pci,netdev=n0',
  ]
}
