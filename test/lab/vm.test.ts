/** The lab VM's command line, cache key and packages (pure: no build, no qemu). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { VM_PACKAGES, vmCacheKey, vmDir } from '../../src/lab/vm/image.ts'
import { kernelCommandLine, qemuArgs } from '../../src/lab/vm/qemu.ts'
import { VM_LAB_PACKAGES, missingVmPackages } from '../../src/lab/preflight.ts'

const image = { dir: '/c/vm', disk: '/c/vm/disk.img', kernel: '/c/vm/vmlinuz', initrd: '/c/vm/initrd.img', hostKey: 'ssh-ed25519 AAAA' }
const boot = { overlay: '/r/overlay.qcow2', sshPort: 40022, console: '/r/console.log', pidfile: '/r/qemu.pid', authorizedKey: 'ssh-ed25519 AAAAkey kvmplay-lab-x\n' }
const arg = (args: string[], flag: string) => args[args.indexOf(flag) + 1]

test('qemu runs under TCG, never KVM, with the translation cache bounded when asked', () => {
  const args = qemuArgs(image, boot)
  assert.is(arg(args, '-accel'), 'tcg')
  assert.is(arg(qemuArgs(image, { ...boot, tbSizeMiB: 256 }), '-accel'), 'tcg,tb-size=256')
  assert.not.ok(args.includes('-enable-kvm') || args.some((a) => /accel=kvm|^kvm/.test(a)), args.join(' '))
  assert.is(arg(args, '-machine'), 'q35')
})

test('its only network is restricted user-mode networking, forwarded from 127.0.0.1 only', () => {
  const args = qemuArgs(image, boot)
  assert.equal(args.filter((a) => a === '-netdev'), ['-netdev'])
  assert.is(arg(args, '-netdev'), 'user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22')
  assert.ok(args.includes('-nodefaults'), 'no default NIC besides')
})

test('it boots the image’s own kernel on an overlay, the cached image never written', () => {
  const args = qemuArgs(image, boot)
  assert.is(arg(args, '-kernel'), image.kernel)
  assert.is(arg(args, '-initrd'), image.initrd)
  assert.is(arg(args, '-drive'), 'file=/r/overlay.qcow2,if=virtio,format=qcow2')
  assert.not.ok(args.join(' ').includes(image.disk))
})

test('root’s key goes to systemd as a credential, quoted; a key that would break the quoting is refused', () => {
  assert.is(kernelCommandLine(boot.authorizedKey), 'root=/dev/vda rw console=ttyS0 quiet "systemd.set_credential=ssh.authorized_keys.root:ssh-ed25519 AAAAkey kvmplay-lab-x"')
  assert.throws(() => kernelCommandLine('ssh-ed25519 AAAA a"b'), /quote/)
})

test('the image is keyed by its packages, not their order, and has the kernel', () => {
  assert.is(vmCacheKey([...VM_PACKAGES].reverse()), vmCacheKey())
  assert.is.not(vmCacheKey([...VM_PACKAGES, 'openvswitch-switch']), vmCacheKey())
  assert.is(vmDir('/c', 'k'), '/c/vm-debian-12-k')
  assert.ok((VM_PACKAGES as readonly string[]).includes('linux-image-amd64'))
})

test('the VM needs qemu-img and mke2fs on the machine, said by package', () => {
  assert.equal(missingVmPackages(() => true), [])
  assert.equal(missingVmPackages((p) => p !== '/usr/bin/qemu-img'), ['qemu-utils'])
  assert.ok('e2fsprogs' in VM_LAB_PACKAGES && 'mmdebstrap' in VM_LAB_PACKAGES)
})

test.run()
