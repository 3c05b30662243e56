/** The bridge tasks' plans against canned facts: the files to write, the cutover step and what its rollback restores. */
import { tempNameOf } from '../../src/cutover/restore.ts'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { applyBridge, applyIfcfg, writeIfcfg } from '../../tasks/bridge.ts'
import { isReachStep } from '../../src/core/task.ts'
import type { FileOriginal, HostReach } from '../../src/core/task.ts'
import type { FileState } from '../../src/facts/file.ts'
import { cannedHost } from '../helpers/host.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const absent: FileState = { exists: false }
// CentOS 7 as the seed has it: the network scripts run, so the ifcfg files are what the host boots from.
const host = (net: string, files: Record<string, FileState> = {}) =>
  cannedHost({ network: () => canned(net), 'network-system': () => ({ netplan: [], networkScripts: true }), file: (path: string) => files[path] ?? absent })

test('writeIfcfg plans both files on a fresh host, nothing once they are as wished', async () => {
  const plan = await writeIfcfg({ bridge: 'br0' }).plan(host('network-fresh.txt'))
  assert.equal(plan.steps.map((s) => s.summary), ['create /etc/sysconfig/network-scripts/ifcfg-br0', 'create /etc/sysconfig/network-scripts/ifcfg-eth0'])
  assert.ok(plan.steps.every((s) => s.original && s.diff && s.touches?.length === 1))
  const written = Object.fromEntries(plan.steps.map((s) => [s.diff!.label, { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', content: s.diff!.after } as FileState]))
  const again = await writeIfcfg({ bridge: 'br0' }).plan(host('network-fresh.txt', written))
  assert.equal(again.steps, [])
  assert.is(again.reason, '/etc/sysconfig/network-scripts/ifcfg-br0, /etc/sysconfig/network-scripts/ifcfg-eth0 are as wished (ifcfg)')
})

test('applyBridge plans one cutover step that says what its rollback restores; none once bridged', async () => {
  const plan = await applyBridge({ bridge: 'br0', confirmTimeout: 30 }).plan(host('network-fresh.txt'))
  assert.is(plan.steps.length, 1)
  assert.ok(isReachStep(plan.steps[0]), 'the cutover gets the host\'s reach')
  assert.match(plan.steps[0].summary, /^bring up br0 over eth0, moving 198\.19\.3\.2\/24 and the default route \(ifcfg, confirmed within 30 s\)$/)
  assert.match(plan.reason!, /Rollback unless confirmed within 30 s restores: no br0; eth0 198\.19\.3\.2\/24; default via 198\.19\.3\.1 dev eth0; and files: \/etc\/sysconfig\/network-scripts\/ifcfg-br0, \/etc\/sysconfig\/network-scripts\/ifcfg-eth0 where this run changed them/)
  const done = await applyBridge({ bridge: 'br0' }).plan(host('network-bridged.txt'))
  assert.equal(done.steps, [])
  assert.is(applyIfcfg, applyBridge, 'the first name still works')
})

/** The restore script the cutover arms, given the files the run changed (captured from the arm command). */
async function armedRestore(rollbackFiles: 'bridge' | 'run' | string[] | undefined, changed: FileOriginal[]): Promise<string> {
  const plan = await applyBridge({ bridge: 'br0', rollbackFiles }).plan(host('network-fresh.txt'))
  const step = plan.steps[0]
  if (!isReachStep(step)) throw new Error('not a cutover step')
  let armed = ''
  const conn = {
    host: 'h1',
    // libvirtd answers (the check before arming); the arming is stopped once seen.
    exec: async (cmd: string) => (cmd.includes('@@ARMING') ? ((armed = cmd), { code: 1, stdout: '', stderr: 'stop here' }) : { code: 0, stdout: '', stderr: '' }),
    close: async () => {},
  }
  const reach: HostReach = { host: 'h1', connection: async () => conn, reconnect: async () => conn, connectAgain: async () => conn, adopt: () => {}, changedFiles: () => changed }
  await step.reach(reach).catch(() => {})
  return armed
}

test("the rollback's files: the bridge's own by default, every changed one with 'run', the listed ones with a list", async () => {
  const changed = ['/etc/sysctl.conf', '/etc/sysconfig/network-scripts/ifcfg-eth0'].map((path) => ({ path, content: 'old\n' }))
  const restores = (script: string, path: string) => script.includes(`mv -f -- ${tempNameOf(path)} ${path}`)
  const byDefault = await armedRestore(undefined, changed)
  assert.ok(restores(byDefault, '/etc/sysconfig/network-scripts/ifcfg-eth0'))
  assert.not.ok(restores(byDefault, '/etc/sysctl.conf'), 'a file another task wrote is not the bridge\'s')
  const all = await armedRestore('run', changed)
  assert.ok(restores(all, '/etc/sysctl.conf') && restores(all, '/etc/sysconfig/network-scripts/ifcfg-eth0'))
  const listed = await armedRestore(['/etc/sysctl.conf'], changed)
  assert.ok(restores(listed, '/etc/sysctl.conf'))
  assert.not.ok(restores(listed, '/etc/sysconfig/network-scripts/ifcfg-eth0'))
})

test.run()
