/** The formats as text, and read back: what the previous-file reader takes is what the formatters write. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { exportReservations } from '../../src/guests/reservations-export.ts'
import type { ReservationFormat } from '../../src/guests/reservations-export.ts'
import { parseCidr, parseLanRange } from '../../src/guests/lan-range.ts'
import { parsePrevious } from '../../src/guests/reservations-previous.ts'
import { withReserved } from '../../src/guests/report-reserved.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { fleet } from './fixtures.ts'

const range = parseLanRange('198.51.100.0/24', ['198.51.100.1'])
const out = (format: ReservationFormat, extra = {}) => exportReservations(fleet(), { format, range, ...extra })

test('dnsmasq: dhcp-host=MAC,IP,NAME, the guest in a comment above', () => {
  const { text } = out('dnsmasq')
  assert.match(text, '# h1/vm1\ndhcp-host=52:54:00:12:01:01,198.51.100.2,vm1\n')
  assert.match(text, 'dhcp-host=52:54:00:12:02:01,198.51.100.4,web-server\n')
  assert.match(text, 'dhcp-host=52:54:00:12:02:02,198.51.100.5,vm2-h2\n')
  assert.not.match(text, /20\d\d-/, 'no date: the same guests give the same bytes')
})

test('dnsmasq-hosts: the same entries as MAC,IP,NAME, for --dhcp-hostsfile or a --dhcp-hostsdir dnsmasq rereads by itself', () => {
  const { text } = out('dnsmasq-hosts')
  assert.match(text, '# h1/vm1\n52:54:00:12:01:01,198.51.100.2,vm1\n')
  assert.not.match(text, 'dhcp-host=')
  assert.match(text, /^# /, 'the header is comments, which a hosts file takes')
})

test('isc: a host block per NIC, the subnet declared; a fragment has the blocks alone', () => {
  const { text } = out('isc')
  assert.match(text, 'subnet 198.51.100.0 netmask 255.255.255.0 {\n}\n')
  assert.match(text, 'host vm2-h1 {\n  # h1/vm2\n  hardware ethernet 52:54:00:12:01:02;\n  fixed-address 198.51.100.3;\n  option host-name "vm2-h1";\n}\n')
  const frag = out('isc', { fragment: true }).text
  assert.not.match(frag, 'subnet')
  assert.match(frag, 'host vm1 {')
})

test('kea: Dhcp4.subnet4[0] with the reservations; a fragment is the list alone', () => {
  const conf = JSON.parse(out('kea').text)
  assert.is(conf.Dhcp4.subnet4[0].subnet, '198.51.100.0/24')
  assert.equal(conf.Dhcp4.subnet4[0].reservations[0], { 'hw-address': '52:54:00:12:01:01', 'ip-address': '198.51.100.2', hostname: 'vm1', 'user-context': { kvmplay: 'h1/vm1' } })
  const frag = JSON.parse(out('kea', { fragment: true }).text)
  assert.ok(Array.isArray(frag))
  assert.is(frag.length, 4)
})

test('a complete isc or kea configuration needs the subnet, and every reservation inside it', () => {
  const ab = parseLanRange('198.51.100.50-198.51.100.99')
  assert.match(errorMessageOf('usage', () => exportReservations(fleet(), { format: 'kea', range: ab })), 'give it (--subnet 198.51.100.0/24)')
  assert.ok(exportReservations(fleet(), { format: 'isc', range: ab, fragment: true }).text)
  assert.ok(exportReservations(fleet(), { format: 'dnsmasq', range: ab }).text)
  const m = errorMessageOf('validation', () => exportReservations(fleet(), { format: 'kea', range: ab, subnet: parseCidr('198.51.100.64/26') }))
  assert.match(m, '198.51.100.50 (h1/vm1), 198.51.100.51 (h1/vm2), 198.51.100.52 (h2/vm1), 198.51.100.53 (h2/vm2) outside the subnet 198.51.100.64/26')
})

test('every format reads back as it was written: MAC, address, name and guest', () => {
  for (const [format, extra] of [['dnsmasq', {}], ['dnsmasq-hosts', {}], ['isc', {}], ['isc', { fragment: true }], ['kea', {}], ['kea', { fragment: true }]] as const) {
    const { text, reservations } = out(format, extra)
    const back = parsePrevious(text, `${format}.conf`)
    assert.equal(back, reservations.map((r) => ({ mac: r.mac, ip: r.ip, name: r.name, host: r.host, guest: r.guest })), format)
  }
})

test('the previous file: hand-written entries read, foreign lines ignored, a wrong file named', () => {
  assert.equal(parsePrevious('dhcp-host=52:54:00:AA:BB:CC,set:lan,198.51.100.9,db,12h\ndhcp-host=id:client1,198.51.100.10\ndhcp-range=198.51.100.2,198.51.100.200\n', 'x.conf'), [{ mac: '52:54:00:aa:bb:cc', ip: '198.51.100.9', name: 'db' }])
  assert.equal(parsePrevious('# nothing yet\n\n', 'x.conf'), [])
  assert.match(errorMessageOf('validation', () => parsePrevious('{"kind":"kvmplay-migration-report"', 'r.json')), 'r.json: not JSON')
  assert.match(errorMessageOf('validation', () => parsePrevious('hello', 'r.txt')), 'r.txt is not a reservations file kvmplay can read back')
  assert.match(errorMessageOf('validation', () => parsePrevious('host a { hardware ethernet 52:54:00:12:01:01; fixed-address 198.51.100.300; }', 'd.conf')), 'address of host a in d.conf')
})

test("the report's guests get their reserved address, by MAC", () => {
  const guests = fleet().map((g) => ({ ...g, mac: g.mac.toUpperCase() }))
  const report = { kind: 'kvmplay-migration-report' as const, version: 1 as const, generated: '2026-12-02T03:00:00Z', guests, networks: [] }
  const { reservations } = out('dnsmasq')
  assert.equal(withReserved(report, reservations).guests.map((g) => g.reserved), ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'])
})

test.run()
