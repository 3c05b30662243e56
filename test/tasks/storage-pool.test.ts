/**
 * storagePool, planned against canned virsh output: a new pool defined,
 * built, autostarted and started in one libvirt step (as data, through the
 * seam), a second plan after applying a no-op, an existing pool redefined
 * with its uuid, and a logical pool without devices refused.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { storagePool } from '../../tasks/storage-pool.ts'
import type { StoragePoolOptions } from '../../tasks/storage-pool.ts'
import { parsePoolState, storagePoolFact } from '../../src/facts/storage-pool.ts'
import type { PoolState } from '../../src/facts/storage-pool.ts'
import { changesOf } from '../../src/libvirt/changes.ts'
import { cannedHost } from '../helpers/host.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const DIR_XML = `<pool type='dir'>
  <name>default</name>
  <uuid>3c7a3b2e-8f0e-4a59-9a57-5d6a3f2f0c11</uuid>
  <capacity unit='bytes'>0</capacity>
  <source>
  </source>
  <target>
    <path>/var/lib/libvirt/images</path>
    <permissions><mode>0711</mode><owner>0</owner><group>0</group></permissions>
  </target>
</pool>
`
const info = (state: string, autostart: string) => `Name:           default\nUUID:           3c7a3b2e-8f0e-4a59-9a57-5d6a3f2f0c11\nState:          ${state}\nPersistent:     yes\nAutostart:      ${autostart}\n`
const out = (built: boolean, defined?: { state: string; autostart: string; xml?: string }) =>
  `@@BUILT\n${built ? 'yes\n' : ''}${defined ? `@@INFO\n${info(defined.state, defined.autostart)}@@XML\n${defined.xml ?? DIR_XML}` : ''}`

const host = (s: PoolState) => cannedHost({ 'libvirt-pool': () => s })
const DEFAULT: StoragePoolOptions = { name: 'default', type: 'dir', target: '/var/lib/libvirt/images' }
const planOf = (o: StoragePoolOptions, s: PoolState) => storagePool(o).plan(host(s))

test('virsh output read: absent, built or not, state, autostart, spec and uuid from the inactive XML', () => {
  assert.equal(parsePoolState(out(false), 'default'), { available: true, defined: false, built: false })
  const s = parsePoolState(out(true, { state: 'running', autostart: 'yes' }), 'default')
  assert.equal([s.defined, s.state, s.autostart, s.built, s.uuid], [true, 'running', true, true, '3c7a3b2e-8f0e-4a59-9a57-5d6a3f2f0c11'])
  assert.equal(s.spec, { name: 'default', type: 'dir', target: '/var/lib/libvirt/images', vg: undefined, devices: [] })
  assert.equal(parsePoolState('@@NOVIRSH\n', 'default'), { available: false, defined: false, built: false })
  const cmd = storagePoolFact.command({ name: 'default', type: 'dir', where: '/var/lib/libvirt/images' })
  assert.match(cmd, "virsh 'pool-info default; echo @@XML; pool-dumpxml --inactive default'")
  // virsh pads pool-list --name with spaces (found on the lab's libvirt 9): names are compared as words, not lines.
  assert.match(cmd, 'for n in $names; do [ "$n" = default ] && break; done')
})

test('a new dir pool: defined, built, autostarted and started as one libvirt step with its XML diff; the second plan is a no-op', async () => {
  const plan = await planOf(DEFAULT, parsePoolState(out(false), 'default'))
  assert.is(plan.steps.length, 1)
  assert.is(plan.steps[0].summary, 'define pool default, build it (mkdir /var/lib/libvirt/images), autostart it, start it')
  assert.equal(changesOf(plan.steps[0])!.map((c) => c.op), ['define-pool', 'build-pool', 'autostart-pool', 'start-pool'])
  assert.match(plan.steps[0].diff!.after, "<pool type='dir'>\n  <name>default</name>\n  <target>\n    <path>/var/lib/libvirt/images</path>")
  const after = parsePoolState(out(true, { state: 'running', autostart: 'yes' }), 'default')
  assert.equal(await planOf(DEFAULT, after), { steps: [], reason: 'pool default is defined as wished, built, running, autostarted' })
})

test('an existing pool: started and autostarted where it is not; another target redefines it keeping the uuid, and says a running one waits for a restart', async () => {
  const stopped = await planOf(DEFAULT, parsePoolState(out(true, { state: 'inactive', autostart: 'no' }), 'default'))
  assert.equal(stopped.steps.map((s) => s.summary), ['autostart pool default', 'start pool default (was inactive)'])
  const moved = await planOf({ ...DEFAULT, target: '/srv/images' }, parsePoolState(out(false, { state: 'running', autostart: 'yes' }), 'default'))
  assert.equal(moved.steps.map((s) => s.summary), ['redefine pool default (target /var/lib/libvirt/images → /srv/images; same uuid)', 'build pool default'])
  assert.match(moved.steps[0].diff!.after, '<uuid>3c7a3b2e-8f0e-4a59-9a57-5d6a3f2f0c11</uuid>')
  assert.match(moved.reason!, 'runs its old definition until restarted')
})

test('a logical pool: the volume group built on its devices; without devices where the group is missing, refused', async () => {
  const vms: StoragePoolOptions = { name: 'vms', type: 'logical', source: { devices: ['/dev/vdb'] } }
  const plan = await planOf(vms, parsePoolState(out(false), 'vms'))
  assert.is(plan.steps[0].summary, 'define pool vms, build it (vgcreate vms on /dev/vdb), autostart it, start it')
  assert.match(plan.steps[0].diff!.after, "<device path='/dev/vdb'/>\n    <name>vms</name>\n    <format type='lvm2'/>")
  assert.match(plan.steps[0].diff!.after, '<path>/dev/vms</path>')
  assert.match(await rejectionMessageOf('precondition', planOf({ name: 'vms', type: 'logical' }, parsePoolState(out(false), 'vms'))), 'volume group vms does not exist: give source.devices')
  assert.is((await planOf({ name: 'vms', type: 'logical' }, parsePoolState(out(true), 'vms'))).steps[0].summary, 'define pool vms, autostart it, start it', 'an existing group: no build')
})

test('a pool of another type, a dir pool without target, and libvirt not installed yet', async () => {
  const logicalXml = "<pool type='logical'><name>default</name><source><name>default</name></source><target><path>/dev/default</path></target></pool>"
  assert.match(await rejectionMessageOf('precondition', planOf(DEFAULT, parsePoolState(out(true, { state: 'running', autostart: 'yes', xml: logicalXml }), 'default'))), 'is a logical pool, not dir')
  assert.throws(() => storagePool({ name: 'default', type: 'dir' }), /needs its target/)
  const bare = await planOf(DEFAULT, parsePoolState('@@NOVIRSH\n', 'default'))
  assert.is(bare.steps.length, 1)
  assert.match(bare.reason!, 'virsh is not installed yet')
})

test.run()
