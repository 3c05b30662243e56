import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { allocateReservations } from '../../src/guests/reservations-allocate.ts'
import type { Reservation } from '../../src/guests/reservations-allocate.ts'
import { parseLanRange } from '../../src/guests/lan-range.ts'
import { mapFromObject } from '../../src/guests/reservations-map.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { fleet, nic } from './fixtures.ts'

const range = parseLanRange('198.51.100.50-198.51.100.99')
const byMac = (rs: Reservation[]) => Object.fromEntries(rs.map((r) => [r.mac, r.ip]))
const asPrevious = (rs: Reservation[]) => rs.map((r) => ({ mac: r.mac, ip: r.ip, name: r.name, host: r.host, guest: r.guest }))

test('addresses from the range in (host, guest, MAC) order, whatever order the guests come in', () => {
  const a = allocateReservations(fleet(), { range }).reservations
  assert.equal(byMac(a), {
    '52:54:00:12:01:01': '198.51.100.50',
    '52:54:00:12:01:02': '198.51.100.51',
    '52:54:00:12:02:01': '198.51.100.52',
    '52:54:00:12:02:02': '198.51.100.53',
  })
  for (let i = 0; i < 5; i++) {
    const shuffled = [...fleet()].sort(() => Math.random() - 0.5)
    assert.equal(allocateReservations(shuffled, { range }).reservations, a)
  }
  assert.ok(a.every((r) => r.source === 'range'))
})

test('a guest added later takes a free address and nobody else moves, given the previous file', () => {
  const first = allocateReservations(fleet(), { range }).reservations
  // h0 sorts before everyone: without the previous file it would take .50 and push the others up.
  const more = [nic('h0', 'vm9', '52:54:00:12:00:09'), ...fleet()]
  const next = allocateReservations(more, { range, previous: asPrevious(first) }).reservations
  for (const r of first) assert.is(byMac(next)[r.mac], r.ip, `${r.host}/${r.guest} kept its address`)
  assert.is(byMac(next)['52:54:00:12:00:09'], '198.51.100.54')
  // And run again on that result: the same file.
  const again = allocateReservations(more, { range, previous: asPrevious(next) }).reservations
  assert.equal(again.map((r) => [r.mac, r.ip, r.name]), next.map((r) => [r.mac, r.ip, r.name]))
  // A guest removed frees its address; the others stay.
  const fewer = fleet().filter((n) => n.guest !== 'vm1' || n.host !== 'h1')
  const after = allocateReservations(fewer, { range, previous: asPrevious(first) }).reservations
  assert.is(after.length, 3)
  for (const r of after) assert.is(r.ip, byMac(first)[r.mac])
})

test('never two NICs on one address, never an address outside the range', () => {
  const many = Array.from({ length: 50 }, (_, i) => nic(`h${i % 7}`, `vm${i}`, `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`))
  const rs = allocateReservations(many, { range }).reservations
  assert.is(new Set(rs.map((r) => r.ip)).size, 50)
  assert.ok(rs.every((r) => range.contains(r.ip)))
  assert.is(new Set(rs.map((r) => r.name)).size, 50, 'names unique too')
})

test('a range too small is an error naming how many NICs and how many addresses', () => {
  const small = parseLanRange('198.51.100.50-198.51.100.52')
  const m = errorMessageOf('validation', () => allocateReservations(fleet(), { range: small }))
  assert.match(m, 'the LAN range 198.51.100.50-198.51.100.52 is too small: 4 guest NIC(s) need an address and it has 3')
  assert.match(m, 'widen it by 1')
  // With the map holding part of it.
  const map = mapFromObject({ '52:54:00:12:01:01': '198.51.100.50' }, 'map.yaml')
  const m2 = errorMessageOf('validation', () => allocateReservations(fleet(), { range: parseLanRange('198.51.100.50-198.51.100.51'), map }))
  assert.match(m2, '4 guest NIC(s) need an address and it has 2 (1 already given by the map or the previous file, 1 free for the other 3)')
})

test('the map wins over the range and the previous file, by MAC or host/guest', () => {
  const map = mapFromObject({ '52:54:00:12:02:02': '198.51.100.50', 'h1/vm2': { ip: '198.51.100.90', name: 'db' } }, 'map.yaml')
  const previous = [{ mac: '52:54:00:12:01:01', ip: '198.51.100.70' }, { mac: '52:54:00:12:02:02', ip: '198.51.100.71' }]
  const { reservations: rs } = allocateReservations(fleet(), { range, map, previous })
  const of = (mac: string) => rs.find((r) => r.mac === mac)!
  assert.equal([of('52:54:00:12:02:02').ip, of('52:54:00:12:02:02').source], ['198.51.100.50', 'map'])
  assert.equal([of('52:54:00:12:01:02').ip, of('52:54:00:12:01:02').name], ['198.51.100.90', 'db'])
  assert.equal([of('52:54:00:12:01:01').ip, of('52:54:00:12:01:01').source], ['198.51.100.70', 'previous'])
  assert.equal([of('52:54:00:12:02:01').ip, of('52:54:00:12:02:01').source], ['198.51.100.51', 'range'])
})

test("a previous address the map now gives another NIC, or outside a new range, is given up, with a note", () => {
  const map = mapFromObject({ '52:54:00:12:02:02': '198.51.100.50' }, 'map.yaml')
  const previous = [{ mac: '52:54:00:12:01:01', ip: '198.51.100.50' }, { mac: '52:54:00:12:01:02', ip: '198.51.100.10' }]
  const { reservations, notes } = allocateReservations(fleet(), { range, map, previous })
  assert.is(new Set(reservations.map((r) => r.ip)).size, 4)
  assert.ok(notes.some((n) => n.includes('h1/vm1') && n.includes('which the map now gives h2/vm2')), notes.join('\n'))
  assert.ok(notes.some((n) => n.includes('h1/vm2') && n.includes('outside the LAN range')), notes.join('\n'))
})

test('map conflicts and map addresses outside the range are errors naming both sides', () => {
  const twice = mapFromObject({ '52:54:00:12:01:01': '198.51.100.60', 'h2/vm2': '198.51.100.60' }, 'map.yaml')
  assert.match(errorMessageOf('validation', () => allocateReservations(fleet(), { range, map: twice })), 'the map gives 198.51.100.60 to both h1/vm1 (52:54:00:12:01:01) and h2/vm2 (52:54:00:12:02:02)')
  const outside = mapFromObject({ 'h1/vm1': '198.51.100.10' }, 'map.yaml')
  assert.match(errorMessageOf('validation', () => allocateReservations(fleet(), { range, map: outside })), 'map.yaml: key h1/vm1 gives h1/vm1 (52:54:00:12:01:01) 198.51.100.10, outside the LAN range 198.51.100.50-198.51.100.99')
  const both = mapFromObject({ '52:54:00:12:01:01': '198.51.100.60', 'h1/vm1': '198.51.100.61' }, 'map.yaml')
  assert.match(errorMessageOf('validation', () => allocateReservations(fleet(), { range, map: both })), 'name the same NIC with different addresses')
  const twoNics = [...fleet(), nic('h1', 'vm1', '52:54:00:12:01:11')]
  assert.match(errorMessageOf('validation', () => allocateReservations(twoNics, { range, map: mapFromObject({ 'h1/vm1': '198.51.100.60' }, 'map.yaml') })), 'has 2 NICs (52:54:00:12:01:01, 52:54:00:12:01:11); key them by MAC')
})

test('a map alone must cover every NIC; a function in the playbook works like a file', () => {
  const partial = mapFromObject({ '52:54:00:12:01:01': '198.51.100.60' }, 'map.yaml')
  assert.match(errorMessageOf('validation', () => allocateReservations(fleet(), { map: partial })), 'no address for 3 guest NIC(s): h1/vm2 (52:54:00:12:01:02)')
  const fn = (g: { host: string; guest: string }) => `198.51.100.${g.host === 'h1' ? 10 : 20}${g.guest.slice(2)}`
  const rs = allocateReservations(fleet(), { map: { kind: 'function', fn } }).reservations
  assert.equal(rs.map((r) => r.ip), ['198.51.100.101', '198.51.100.102', '198.51.100.201', '198.51.100.202'])
  assert.match(errorMessageOf('validation', () => allocateReservations(fleet(), { map: { kind: 'function', fn: () => '10.0.0.300' } })), "address the playbook's map gives h1/vm1")
})

test('bad input: invalid MACs and map values named; one MAC on two NICs refused', () => {
  assert.match(errorMessageOf('validation', () => allocateReservations([nic('h1', 'vm1', '52:54:00:12:01')], { range })), 'invalid MAC of h1/vm1 (guests[0].mac) "52:54:00:12:01"')
  assert.match(errorMessageOf('validation', () => allocateReservations([nic('', 'vm1', '52:54:00:12:01:01')], { range })), 'guests[0]: host and guest')
  assert.match(errorMessageOf('validation', () => allocateReservations([nic('h1', 'vm1', '52:54:00:12:01:01'), nic('h2', 'vm1', '52:54:00:12:01:01')], { range })), 'MAC 52:54:00:12:01:01 is on both h1/vm1 and h2/vm1')
  assert.match(errorMessageOf('validation', () => mapFromObject({ '52:54:00:12:01:zz': '198.51.100.60' }, 'map.yaml')), 'map.yaml: key "52:54:00:12:01:zz"')
  assert.match(errorMessageOf('validation', () => mapFromObject({ 'h1/vm1': '198.51.100' }, 'map.yaml')), 'invalid address of map.yaml: key "h1/vm1"')
  assert.match(errorMessageOf('validation', () => mapFromObject({ 'h1/vm1': { ip: '198.51.100.1', mac: 'x' } }, 'map.yaml')), 'unknown field(s) mac')
  assert.match(errorMessageOf('validation', () => mapFromObject(['x'], 'map.yaml')), 'expected a mapping')
  assert.match(errorMessageOf('validation', () => allocateReservations(fleet(), { range, map: mapFromObject({ 'h1/vm1': { ip: '198.51.100.60', name: 'bad_name' } }, 'map.yaml') })), 'invalid name map.yaml: key h1/vm1')
})

test('upper-case or dashed MACs are the same NIC as the map and previous file say', () => {
  const guests = [nic('h1', 'vm1', '52-54-00-12-01-01'.toUpperCase())]
  const rs = allocateReservations(guests, { range, previous: [{ mac: '52:54:00:12:01:01', ip: '198.51.100.77' }] }).reservations
  assert.equal([rs[0].mac, rs[0].ip], ['52:54:00:12:01:01', '198.51.100.77'])
})

test.run()
