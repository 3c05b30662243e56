import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { domainInterfaces, movedInterfaceXml, isAt } from '../../src/libvirt/domain.ts'

// The seed's guest, before the switch (quotes straightened), with the live-only bits libvirt adds.
const DOMAIN = `<domain type='kvm'><name>CentOS-7.3-X86_64</name><devices>
<interface type='network'>
<mac address='52:54:00:e4:7c:77'/>
<source network='default' portid='1aee5a29' bridge='virbr0'/>
<target dev='vnet1'/>
<model type='virtio'/>
<alias name='net0'/>
<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
</interface>
<interface type='bridge'><mac address='52:54:00:84:E9:E1'/><source bridge='br0'/><model type='rtl8139'/></interface>
</devices></domain>`

test('interfaces with type, source, MAC (lower case), model and PCI address', () => {
  assert.equal(domainInterfaces(DOMAIN), [
    { type: 'network', source: 'default', mac: '52:54:00:e4:7c:77', model: 'virtio', pci: '0000:00:03.0' },
    { type: 'bridge', source: 'br0', mac: '52:54:00:84:e9:e1', model: 'rtl8139', pci: undefined },
  ])
})

test("moving to br0 gives the seed's edited interface: same MAC, model and PCI address, bridge source", () => {
  const xml = movedInterfaceXml(DOMAIN, '52:54:00:e4:7c:77', { bridge: 'br0' })
  assert.is(
    xml,
    [
      '<interface type="bridge">',
      '  <mac address="52:54:00:e4:7c:77"/>',
      '  <source bridge="br0"/>',
      '  <model type="virtio"/>',
      '  <address type="pci" domain="0x0000" bus="0x00" slot="0x03" function="0x0"/>',
      '</interface>',
    ].join('\n'),
  )
  const [moved] = domainInterfaces(`<domain><devices>${xml}</devices></domain>`)
  assert.ok(isAt(moved, { bridge: 'br0' }))
  assert.is(moved.pci, '0000:00:03.0')
})

test('moving to another network', () => {
  assert.match(movedInterfaceXml(DOMAIN, '52:54:00:84:e9:e1', { network: 'br0net' }), '<interface type="network">\n  <mac address="52:54:00:84:E9:E1"/>\n  <source network="br0net"/>')
})

test.run()
