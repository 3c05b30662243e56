/**
 * kernelModule, planned against canned /proc/modules, modules.builtin and
 * modinfo output (this machine's kernel loads no modules, so nothing here
 * loads one): options first, then modules-load.d, then modprobe; a second
 * plan after applying a no-op; a kernel without the module, or without
 * module support, a clear error.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { kernelModule } from '../../tasks/kernel-module.ts'
import type { KernelModuleOptions } from '../../tasks/kernel-module.ts'
import { kernelModuleFact, parseModuleState } from '../../src/facts/kernel-module.ts'
import type { ModuleState } from '../../src/facts/kernel-module.ts'
import type { FileState } from '../../src/facts/file.ts'
import { cannedHost } from '../helpers/host.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const K = '#kernel\n6.1.0-28-amd64\n#disabled\n0\n'
const NOT_LOADED = `${K}#loaded\n#builtin\n#found\n/lib/modules/6.1.0-28-amd64/kernel/drivers/vhost/vhost_net.ko\n`
const LOADED = `${K}#loaded\nvhost_net 36864 0 - Live 0x0000000000000000\n#builtin\n#found\n/lib/modules/6.1.0-28-amd64/kernel/drivers/vhost/vhost_net.ko\n`

function host(mod: ModuleState, files: Record<string, string> = {}) {
  const file = (p: string): FileState => (p in files ? { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', content: files[p] } : { exists: false })
  return cannedHost({ 'kernel-module': () => mod, file })
}
const planOf = (o: KernelModuleOptions, h: ReturnType<typeof host>) => kernelModule(o).plan(h)

test('the fact: loaded, built in (- and _ alike), available, and kernels that load no modules', () => {
  assert.equal(parseModuleState(LOADED, 'vhost-net'), { loaded: true, builtin: false, available: true, kernel: '6.1.0-28-amd64', loadable: true })
  assert.ok(parseModuleState(`${K}#loaded\n#builtin\nkernel/net/bridge/br_netfilter.ko\n#found\n`, 'br_netfilter').builtin)
  assert.equal(parseModuleState('#kernel\n6.18.44-fc\n#nomodules\n', 'vhost_net').why, 'kernel 6.18.44-fc has no loadable module support (/proc/modules is absent)')
  assert.match(parseModuleState('#kernel\nx\n#disabled\n1\n#loaded\n#builtin\n#found\n', 'a').why!, 'modules_disabled = 1')
  assert.match(kernelModuleFact.command('vhost_net'), "modinfo -n -- vhost_net")
})

test('not loaded: modules-load.d written (with its diff), then modprobe; the second plan after applying is a no-op', async () => {
  const plan = await planOf({ module: 'vhost_net' }, host(parseModuleState(NOT_LOADED, 'vhost_net')))
  assert.equal(plan.steps.map((s) => s.summary.split(' (')[0]), ['create /etc/modules-load.d/vhost_net.conf', 'load vhost_net now'])
  assert.is(plan.steps[0].diff!.after, '# kvmplay: load vhost_net at boot\nvhost_net\n')
  const after = host(parseModuleState(LOADED, 'vhost_net'), { '/etc/modules-load.d/vhost_net.conf': '# kvmplay: load vhost_net at boot\nvhost_net\n' })
  assert.equal(await planOf({ module: 'vhost_net' }, after), { steps: [], reason: 'vhost_net is loaded and in /etc/modules-load.d/vhost_net.conf' })
})

test('params go to modprobe.d before the modprobe that reads them; a loaded module is told its new options wait for the next load', async () => {
  const plan = await planOf({ module: 'vhost_net', params: 'experimental_zcopytx=0' }, host(parseModuleState(NOT_LOADED, 'vhost_net')))
  assert.equal(plan.steps.map((s) => s.summary.split(' (')[0]), ['create /etc/modprobe.d/vhost_net.conf', 'create /etc/modules-load.d/vhost_net.conf', 'load vhost_net now'])
  assert.is(plan.steps[0].diff!.after, '# kvmplay: options for vhost_net\noptions vhost_net experimental_zcopytx=0\n')
  const loaded = await planOf({ module: 'vhost_net', params: 'experimental_zcopytx=0' }, host(parseModuleState(LOADED, 'vhost_net'), { '/etc/modules-load.d/vhost_net.conf': '# kvmplay: load vhost_net at boot\nvhost_net\n' }))
  assert.is(loaded.steps.length, 1)
  assert.match(loaded.reason!, 'the new ones apply when it is next loaded')
})

test('a kernel without module support (this machine\'s), without the module, or with loading switched off: a clear error, nothing written', async () => {
  assert.match(await rejectionMessageOf('precondition', planOf({ module: 'vhost_net' }, host(parseModuleState('#kernel\n6.18.44-fc\n#nomodules\n', 'vhost_net')))), 'h1: cannot load vhost_net: kernel 6.18.44-fc has no loadable module support')
  const none = parseModuleState(`${K}#loaded\n#builtin\n#found\n`, 'nosuchmod')
  assert.match(await rejectionMessageOf('precondition', planOf({ module: 'nosuchmod' }, host(none))), 'kernel 6.1.0-28-amd64 has no module nosuchmod (modinfo finds none under /lib/modules/6.1.0-28-amd64)')
})

test("onUnloadable: 'persist' on a kernel without module support: the files written and said; the second plan a no-op", async () => {
  const none = parseModuleState('#kernel\n6.18.44-fc\n#nomodules\n', 'vhost_net')
  const plan = await planOf({ module: 'vhost_net', onUnloadable: 'persist' }, host(none))
  assert.equal(plan.steps.map((s) => s.summary.split(' (')[0]), ['create /etc/modules-load.d/vhost_net.conf'])
  assert.match(plan.reason!, 'vhost_net not loaded now: kernel 6.18.44-fc has no loadable module support')
  const again = await planOf({ module: 'vhost_net', onUnloadable: 'persist' }, host(none, { '/etc/modules-load.d/vhost_net.conf': '# kvmplay: load vhost_net at boot\nvhost_net\n' }))
  assert.is(again.steps.length, 0)
  assert.match(again.reason!, 'vhost_net is set to load at boot and in /etc/modules-load.d/vhost_net.conf; vhost_net not loaded now')
})

test('built in: nothing to load or persist, ok', async () => {
  const builtin = parseModuleState(`${K}#loaded\n#builtin\nkernel/net/bridge/br_netfilter.ko\n#found\n(builtin)\n`, 'br_netfilter')
  assert.equal(await planOf({ module: 'br_netfilter' }, host(builtin)), { steps: [], reason: 'br_netfilter is built in' })
})

test('bad names and params refused when the playbook is built', () => {
  assert.throws(() => kernelModule({ module: '../x' }), /invalid module name/)
  assert.throws(() => kernelModule({ module: 'kvm_intel', params: 'nested=1; reboot' }), /invalid params/)
})

test.run()
