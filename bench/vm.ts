/**
 * The lab VM's figures (issue 32): builds the image (cached), boots it under
 * TCG with and without a bound on the translation cache, runs the kernel
 * checks over SSH, reads qemu's peak RSS, powers off. One VM at a time.
 *
 *   node --import tsx bench/vm.ts [tb-size MiB or "default" ...]   (root)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from '../src/lab/sh.ts'
import { imageSize, vmImage } from '../src/lab/vm/image.ts'
import { vmDown, vmMemory, vmUp } from '../src/lab/vm/boot.ts'
import { onVm } from '../src/lab/vm/ssh.ts'
import { KERNEL_CHECK_EXPECT, KERNEL_CHECK_SCRIPT } from '../src/lab/vm/kernel-checks.ts'

const sizes = process.argv.slice(2).length ? process.argv.slice(2) : ['default', '256']
const t0 = performance.now()
const image = await vmImage(console.log)
console.log(`image: ${image.built !== undefined ? `built in ${image.built.toFixed(1)} s` : `cached (${((performance.now() - t0) / 1000).toFixed(2)} s)`}`, imageSize(image))
const dir = mkdtempSync(join(tmpdir(), 'kvmplay-vm-bench-'))
try {
  const key = join(dir, 'id_ed25519')
  await $`ssh-keygen -q -t ed25519 -N ${''} -f ${key}`
  for (const size of sizes) {
    const tbSizeMiB = size === 'default' ? undefined : Number(size)
    const vm = await vmUp({ dir: join(dir, `vm-${size}`), image, key, tbSizeMiB })
    const c0 = performance.now()
    const out = await onVm(vm, KERNEL_CHECK_SCRIPT)
    const checksMs = performance.now() - c0
    const failed = KERNEL_CHECK_EXPECT.filter((re) => !re.test(out))
    const mem = vmMemory(vm)
    const down = await vmDown(vm)
    console.log(JSON.stringify({ tbSize: size, bootToSshS: +(vm.bootMs / 1000).toFixed(1), checksS: +(checksMs / 1000).toFixed(1), checksFailed: failed.map(String), ...mem, down }))
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
