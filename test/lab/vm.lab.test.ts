/**
 * The lab VM on the real machine (issue 32's foundation): Debian 12 with
 * Debian's kernel, built from Debian's packages (cached in
 * /var/cache/kvmplay-lab), booted under TCG with only a restricted user-mode
 * network and a forward on 127.0.0.1, reached as root over SSH with strict
 * host-key checking; inside, the kernel has what the machine's lacks (a bond,
 * a VLAN on it, a bridge over that, openvswitch); powered off cleanly, leaving
 * no qemu and none of its files. Not the shared namespace lab: its own key
 * and directory.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'zx'
import { missingVmPackages } from '../../src/lab/preflight.ts'
import { imageSize, vmImage } from '../../src/lab/vm/image.ts'
import { vmDown, vmKill, vmMemory, vmPaths, vmUp } from '../../src/lab/vm/boot.ts'
import type { RunningVm } from '../../src/lab/vm/boot.ts'
import { VM_TB_SIZE_MIB } from '../../src/lab/vm/qemu.ts'
import { onVm } from '../../src/lab/vm/ssh.ts'
import { KERNEL_CHECK_EXPECT, KERNEL_CHECK_SCRIPT } from '../../src/lab/vm/kernel-checks.ts'
import { notRoot, skipIf } from '../helpers/skip.ts'

$.quiet = true

const s = suite('lab: the VM with a Debian kernel')
const missing = missingVmPackages()
const skip = notRoot('mmdebstrap builds the VM root as root') ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
const it = skipIf(s, skip)

const figures: string[] = []
let dir = ''
let vm: RunningVm | undefined

it('builds (or finds) the image, boots it under TCG, answers over SSH, proves bond, VLAN, bridge and openvswitch, powers off', async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvmplay-vm-test-'))
  const t0 = performance.now()
  const image = await vmImage((l) => console.log(`  ${l}`))
  figures.push(`image ${image.built !== undefined ? `built in ${image.built.toFixed(0)} s` : `cached (${(performance.now() - t0).toFixed(0)} ms)`}, ${imageSize(image).diskMiB} MiB on disk`)
  const key = join(dir, 'id_ed25519')
  await $`ssh-keygen -q -t ed25519 -N ${''} -f ${key}`
  vm = await vmUp({ dir: join(dir, 'vm'), image, key, tbSizeMiB: VM_TB_SIZE_MIB })
  figures.push(`sshd answered ${(vm.bootMs / 1000).toFixed(1)} s after qemu started`)

  // The kernel is the image's own (modules match), never the machine's; the only network is slirp's.
  assert.is((await onVm(vm, 'uname -r')).trim(), readFileSync(join(image.dir, 'packages'), 'utf8').match(/^linux-image-(\d\S*-amd64) /m)?.[1])
  // qemu runs without KVM: no /dev/kvm among its open files, TCG on its command line, only the restricted network.
  assert.not.match((await $`ls -l /proc/${vm.pid}/fd`).stdout, /\/dev\/kvm/)
  assert.match((await $`ps -o args= -p ${vm.pid}`).stdout, /-accel tcg,tb-size=\d+ .*-netdev user,id=n0,restrict=on,hostfwd=tcp:127\.0\.0\.1:\d+-:22 /)
  assert.is((await onVm(vm, 'ip -4 -o addr show scope global | wc -l')).trim(), '1')

  const c0 = performance.now()
  const out = await onVm(vm, KERNEL_CHECK_SCRIPT)
  figures.push(`kernel checks over SSH in ${((performance.now() - c0) / 1000).toFixed(1)} s`)
  for (const re of KERNEL_CHECK_EXPECT) assert.match(out, re, out)
  const mem = vmMemory(vm)
  figures.push(`qemu RSS ${mem.rssMiB} MiB, peak ${mem.peakMiB} MiB (tb-size ${VM_TB_SIZE_MIB} MiB, 1 GiB guest)`)

  const pid = vm.pid
  assert.is(await vmDown(vm), 'poweroff')
  vm = undefined
  assert.not.ok(existsSync(`/proc/${pid}`), 'qemu is gone')
  assert.not.ok(existsSync(vmPaths(join(dir, 'vm')).overlay), 'the overlay is gone')
})

s.after(async () => {
  if (vm) await vmKill(vm)
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (figures.length) console.log(`  vm: ${figures.join('; ')}`)
})

s.run()
