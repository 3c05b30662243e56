/** The reservations' NAT reader on canned virsh output: static entries, leases, NICs already moved. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseLibvirtOutput } from '../../src/facts/libvirt.ts'
import { natIdentitiesOf } from '../../src/guests/nat-reader.ts'
import type { NatAddresses } from '../../src/facts/guests.ts'
import { carriedOver } from '../../src/guests/reservations-carry.ts'

const canned = readFileSync(new URL('../fixtures/canned/virsh-libvirt.txt', import.meta.url), 'utf8')
const scope = { network: 'default', macs: new Set<string>() }
const nat = (leases: NatAddresses['leases'] = []): NatAddresses => ({ now: 0, leases, neighbours: [] })

test('a leased NIC, and one with nothing; model and PCI slot kept (the guests\' own classification)', () => {
  const ids = natIdentitiesOf('h1', parseLibvirtOutput(canned), nat([{ mac: '52:54:00:13:02:01', ip: '192.168.122.50', hostname: 'vm1-lease', expiry: 0 }]), scope)
  assert.equal(ids.map((i) => [i.guest, i.mac, i.assignedBy, i.address, i.hostname]), [
    ['vm1', '52:54:00:13:02:01', 'lease', '192.168.122.50', 'vm1-lease'],
    ['vm2', '52:54:00:13:02:02', 'none', undefined, undefined],
  ])
  assert.is(ids[0].host, 'h1')
  assert.is(ids[0].state, 'running')
  assert.is(ids[0].pci, '0000:00:03.0')
})

test("a static <host> entry wins over the lease: its address and name", () => {
  const withStatic = canned.replace("<range start='192.168.122.2' end='192.168.122.254'/>", "<range start='192.168.122.2' end='192.168.122.254'/>\n      <host mac='52:54:00:13:02:02' name='db' ip='192.168.122.20'/>")
  const ids = natIdentitiesOf('h1', parseLibvirtOutput(withStatic), nat(), scope)
  assert.equal(ids.map((i) => [i.guest, i.assignedBy, i.address, i.hostname]), [
    ['vm1', 'none', undefined, undefined],
    ['vm2', 'static', '192.168.122.20', 'db'],
  ])
})

test('after the move: NICs on the bridge are read when the previous file names their MAC, others are not', () => {
  const moved = canned.replaceAll("<interface type='network'>", "<interface type='bridge'>").replace(/<source network='default'[^>]*\/>/g, "<source bridge='br0'/>")
  const state = parseLibvirtOutput(moved)
  assert.equal(natIdentitiesOf('h1', state, nat(), scope), [])
  const ids = natIdentitiesOf('h1', state, nat(), { network: 'default', macs: new Set(['52:54:00:13:02:02']) })
  assert.equal(ids.map((i) => i.mac), ['52:54:00:13:02:02'])
})

test("carried over: the previous file's entries for hosts outside the run, or of no known host; not a gone guest of a host in it", () => {
  const previous = [
    { mac: '52:54:00:12:01:01', ip: '198.51.100.50', name: 'vm1', host: 'h1', guest: 'vm1' },
    { mac: '52:54:00:12:02:01', ip: '198.51.100.51', name: 'vm1-h2', host: 'h2', guest: 'vm1' },
    { mac: '52:54:00:12:09:09', ip: '198.51.100.52', name: 'printer' },
  ]
  const seen = [{ host: 'h1', guest: 'vm9', mac: '52:54:00:12:01:09', network: 'default', state: 'running', assignedBy: 'none' as const }]
  const carried = carriedOver(previous, seen, new Set(['h1']))
  assert.equal(carried.map((c) => [c.host, c.guest, c.mac, c.hostname]), [
    ['h2', 'vm1', '52:54:00:12:02:01', 'vm1-h2'],
    ['(previous file)', 'printer', '52:54:00:12:09:09', 'printer'],
  ])
})

test.run()
