/** The libvirt fact against real virsh output of a lab host. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseLibvirtOutput } from '../../src/facts/libvirt.ts'

const out = readFileSync(new URL('../fixtures/canned/virsh-libvirt.txt', import.meta.url), 'utf8')

test('networks: state, autostart, bridge, and the inactive XML by meaning', () => {
  const s = parseLibvirtOutput(out)
  const def = s.networks.get('default')!
  assert.equal([def.active, def.autostart, def.persistent, def.bridge], [true, true, true, 'virbr0'])
  assert.is(def.spec.forward, 'nat')
  assert.equal(def.spec.dhcpRanges, [{ start: '192.168.122.2', end: '192.168.122.254' }])
  assert.match(def.identity.uuid!, /^[0-9a-f-]{36}$/)
})

test('domains: state, persistent and live interfaces', () => {
  const s = parseLibvirtOutput(out)
  assert.equal([...s.domains.keys()], ['vm1', 'vm2'])
  const vm1 = s.domains.get('vm1')!
  assert.is(vm1.state, 'running')
  assert.equal(vm1.interfaces, [{ type: 'network', source: 'default', mac: '52:54:00:13:02:01', model: 'virtio', pci: '0000:00:03.0' }])
  assert.is(vm1.liveInterfaces![0].source, 'default')
  assert.is(s.domains.get('vm2')!.state, 'shut off')
  assert.is(s.domains.get('vm2')!.liveInterfaces, undefined)
})

test('a host without virsh is not an error, just no libvirt', () => {
  const s = parseLibvirtOutput('@@NOVIRSH\n')
  assert.is(s.available, false)
  assert.is(s.networks.size, 0)
})

test.run()
