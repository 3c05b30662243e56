/** Network XML by meaning, against the seed document's own files. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseNetworkXml, compareNetworks, isUnchanged, mergeWanted } from '../../src/libvirt/network.ts'
import { networkXml, wantedNetwork } from '../../tasks/define-network.ts'

// The seed's `virsh net-dumpxml default` (quotes straightened).
const SEED_DEFAULT = `<network>
<name>default</name>
<uuid>75dbebde-fc15-4350-8a06-f1432f9e6d30</uuid>
<forward mode='nat'>
<nat>
<port start='1024' end='65535'/>
</nat>
</forward>
<bridge name='virbr0' stp='on' delay='0' />
<mac address='52:54:00:bc:f2:65'/>
<ip address='192.168.122.1' netmask='255.255.255.0'>
<dhcp>
<range start='192.168.122.2' end='192.168.122.254' />
</dhcp>
</ip>
</network>`

// The seed's custom default.xml with static leases.
const SEED_LEASES = `<network>
<name>default</name>
<uuid>dc69ff61-6445-4376-b940-8714a3922bf7</uuid>
<forward mode='nat'/>
<bridge name='virbr0' stp='on' delay='0' />
<mac address='52:54:00:81:14:18'/>
<ip address='192.168.122.1' netmask='255.255.255.0'>
<dhcp>
<range start='192.168.122.2' end='192.168.122.254' />
<host mac='00:25:90:eb:4b:bb' name='guest1' ip='192.168.5.13' />
<host mac='00:25:90:eb:34:2c' name='guest2' ip='192.168.7.206' />
<host mac='00:25:90:eb:e5:de' name='guest3' ip='192.168.7.207' />
<host mac='00:25:90:eb:7e:11' name='guest4' ip='192.168.7.208' />
<host mac='00:25:90:eb:b2:11' name='guest5' ip='192.168.7.209' />
</dhcp>
</ip>
</network>`

// The seed's br0.xml, with <bridge> beside <forward> where libvirt reads it
// (the seed nests it inside <forward>, which libvirt ignores).
const SEED_BR0 = `<network>
<name>br0</name>
<uuid>fb48b969-b9f4-e859-d957-50aedd850fb4</uuid>
<forward mode='bridge'/>
<bridge name ='br0'/>
</network>`

const leases = [
  { mac: '00:25:90:eb:4b:bb', name: 'guest1', ip: '192.168.5.13' },
  { mac: '00:25:90:eb:34:2c', name: 'guest2', ip: '192.168.7.206' },
  { mac: '00:25:90:eb:e5:de', name: 'guest3', ip: '192.168.7.207' },
  { mac: '00:25:90:eb:7e:11', name: 'guest4', ip: '192.168.7.208' },
  { mac: '00:25:90:eb:b2:11', name: 'guest5', ip: '192.168.7.209' },
]

test("the seed's default network reads as NAT on virbr0, 192.168.122.1/24, DHCP .2-.254, ports 1024-65535", () => {
  const { spec, identity } = parseNetworkXml(SEED_DEFAULT)
  assert.equal(spec, {
    name: 'default', forward: 'nat', bridge: 'virbr0', stp: true, delay: 0, natPorts: { start: 1024, end: 65535 },
    address: '192.168.122.1', prefix: 24, dhcpRanges: [{ start: '192.168.122.2', end: '192.168.122.254' }], dhcpHosts: [],
  })
  assert.equal(identity, { uuid: '75dbebde-fc15-4350-8a06-f1432f9e6d30', mac: '52:54:00:bc:f2:65' })
})

test('our NAT template, given the seed values, means the same as the seed file', () => {
  const wanted = mergeWanted(undefined, wantedNetwork({
    name: 'default', forward: 'nat', bridge: 'virbr0', address: '192.168.122.1', netmask: '255.255.255.0',
    dhcp: { start: '192.168.122.2', end: '192.168.122.254', hosts: leases }, stp: true, delay: 0,
  }))
  const rendered = parseNetworkXml(networkXml(wanted)).spec
  assert.ok(isUnchanged(compareNetworks(parseNetworkXml(SEED_LEASES).spec, rendered)))
  assert.match(networkXml(wanted), "<host mac='00:25:90:eb:4b:bb' name='guest1' ip='192.168.5.13'/>")
})

test("our bridge template means the same as the seed's br0.xml", () => {
  const wanted = mergeWanted(undefined, wantedNetwork({ name: 'br0', forward: 'bridge', bridge: 'br0' }))
  const xml = networkXml(wanted)
  assert.is(xml, "<network>\n  <name>br0</name>\n  <forward mode='bridge'/>\n  <bridge name='br0'/>\n</network>\n")
  assert.ok(isUnchanged(compareNetworks(parseNetworkXml(SEED_BR0).spec, parseNetworkXml(xml).spec)))
})

test('an isolated network has no forward element', () => {
  const xml = networkXml(mergeWanted(undefined, wantedNetwork({ name: 'iso', forward: 'isolated', bridge: 'virbr9', address: '10.9.0.1', prefix: 24 })))
  assert.not.match(xml, '<forward')
  assert.is(parseNetworkXml(xml).spec.forward, 'isolated')
})

test('what libvirt generates (uuid, MAC) and layout do not count as changes', () => {
  const a = parseNetworkXml(SEED_DEFAULT).spec
  const b = parseNetworkXml(SEED_DEFAULT.replace(/<uuid>.*<\/uuid>/, '').replace(/<mac [^>]*>/, '').replace(/\n/g, '   ')).spec
  assert.ok(isUnchanged(compareNetworks(a, b)))
})

test('a DHCP lease added, dropped or changed is not structural; a range change is', () => {
  const cur = parseNetworkXml(SEED_LEASES).spec
  const add = compareNetworks(cur, { ...cur, dhcpHosts: [...cur.dhcpHosts, { mac: '52:54:00:00:00:01', ip: '192.168.122.50', name: 'new' }] })
  assert.equal([add.structural, add.addHosts.length, add.removeHosts.length], [false, 1, 0])
  const modify = compareNetworks(cur, { ...cur, dhcpHosts: cur.dhcpHosts.map((h, i) => (i === 0 ? { ...h, ip: '192.168.122.77' } : h)) })
  assert.equal([modify.structural, modify.modifyHosts.map((h) => h.ip)], [false, ['192.168.122.77']])
  const drop = compareNetworks(cur, { ...cur, dhcpHosts: cur.dhcpHosts.slice(1) })
  assert.equal(drop.removeHosts.map((h) => h.mac), ['00:25:90:eb:4b:bb'])
  assert.ok(compareNetworks(cur, { ...cur, dhcpRanges: [{ start: '192.168.122.100', end: '192.168.122.200' }] }).structural)
})

test("what the task leaves out is kept from the existing network (no fight over libvirt's NAT port range)", () => {
  const cur = parseNetworkXml(SEED_DEFAULT).spec
  const wanted = mergeWanted(cur, wantedNetwork({ name: 'default', forward: 'nat', bridge: 'virbr0', address: '192.168.122.1', prefix: 24, dhcp: { start: '192.168.122.2', end: '192.168.122.254' } }))
  assert.ok(isUnchanged(compareNetworks(cur, wanted)))
  assert.equal(wanted.natPorts, { start: 1024, end: 65535 })
})

test('bad network values are refused before any host is touched', () => {
  assert.throws(() => wantedNetwork({ name: "br0'/><x", forward: 'bridge', bridge: 'br0' }), /invalid network name/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'nat', bridge: 'virbr0;reboot' }), /invalid bridge name/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'nat', bridge: 'virbr1', address: '192.168.300.1', prefix: 24 }), /invalid network address/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'nat', bridge: 'virbr1', address: '10.0.0.1', prefix: 24, dhcp: { start: '10.0.0.2', end: '10.0.0.9', hosts: [{ mac: '52:54:00:zz:00:01', ip: '10.0.0.5' }] } }), /invalid DHCP host MAC/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'nat', bridge: 'virbr1', address: '10.0.0.1', prefix: 24, dhcp: { start: '10.0.0.2', end: '10.0.0.9', hosts: [{ mac: '52:54:00:00:00:01', ip: '10.0.0.5', name: '<x>' }] } }), /invalid DHCP host name/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'bridge', bridge: 'br0', address: '10.0.0.1' }), /no address, DHCP or NAT/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'nat', bridge: 'virbr1', address: '10.0.0.1' }), /give prefix/)
  assert.throws(() => wantedNetwork({ name: 'n', forward: 'nat' as const, bridge: 'v1', natPorts: { start: 2000, end: 1000 } }), /backwards/)
})

test.run()
