/**
 * The files kvmplay writes, checked by the DHCP servers' own parsers:
 * `dnsmasq --test -C`, `dhcpd -t -cf`, `kea-dhcp4 -t`. They need only the
 * binaries (scripts/bootstrap.sh installs them, CHECKER_PACKAGES): a missing
 * one fails the test, naming the package, rather than skipping it. Each
 * checker is first shown to refuse a broken file, so a pass means something.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exportReservations } from '../../src/guests/reservations-export.ts'
import type { ExportOptions } from '../../src/guests/reservations-export.ts'
import { parseCidr, parseLanRange } from '../../src/guests/lan-range.ts'
import { CHECKER_PACKAGES } from '../../src/lab/preflight.ts'
import { tempDirs } from '../helpers/temp.ts'
import { fleet, nic } from './fixtures.ts'

const temps = tempDirs('reservations')
test.after(temps.removeAll)

const binary = (pkg: string) => {
  const path = CHECKER_PACKAGES[pkg]
  assert.ok(existsSync(path), `${path} is missing: install ${pkg} (bash scripts/bootstrap.sh does, without starting it)`)
  return path
}

/** Runs a checker on the text; its exit code and what it said. */
function check(pkg: string, args: (file: string) => string[], text: string, name: string) {
  const file = join(temps.make(), name)
  writeFileSync(file, text)
  const r = spawnSync(binary(pkg), args(file), { encoding: 'utf8' })
  return { code: r.status, said: `${r.stdout}${r.stderr}`, file }
}

const dnsmasq = (text: string) => check('dnsmasq-base', (f) => ['--test', '-C', f], text, 'guests.conf')
const dhcpd = (text: string) => check('isc-dhcp-server', (f) => ['-t', '-cf', f], text, 'dhcpd.conf')
const kea = (text: string) => check('kea-dhcp4-server', (f) => ['-t', f], text, 'kea-dhcp4.json')

// The lab's fleet, a guest with an awkward lease name, and one more NIC on vm1.
const guests = [
  ...fleet(),
  nic('h3', 'db', '52:54:00:12:03:01', { hostname: '1h' }),
  nic('h3', 'infinite', '52:54:00:12:03:02'),
  nic('h1', 'vm1', '52:54:00:12:01:11'),
]
const made = (opts: Partial<ExportOptions> & Pick<ExportOptions, 'format'>) => exportReservations(guests, { range: parseLanRange('198.51.100.0/24', ['198.51.100.1']), ...opts }).text

test('dnsmasq --test takes the dhcp-host lines (and refuses one address twice)', () => {
  const bad = dnsmasq('dhcp-host=52:54:00:12:01:01,198.51.100.3,a\ndhcp-host=52:54:00:12:01:02,198.51.100.3,b\n')
  assert.is.not(bad.code, 0, bad.said)
  const r = dnsmasq(made({ format: 'dnsmasq' }))
  assert.is(r.code, 0, r.said)
  assert.match(r.said, 'syntax check OK')
})

test('dhcpd -t takes the complete dhcpd.conf and the fragment included in one (and refuses a host twice)', () => {
  const bad = dhcpd('host a { hardware ethernet 52:54:00:12:01:01; fixed-address 198.51.100.3; }\nhost a { hardware ethernet 52:54:00:12:01:02; fixed-address 198.51.100.4; }\n')
  assert.is.not(bad.code, 0, bad.said)
  const full = dhcpd(made({ format: 'isc' }))
  assert.is(full.code, 0, full.said)
  const fragment = check('isc-dhcp-server', (f) => ['-t', '-cf', f], made({ format: 'isc', fragment: true }), 'guests.conf')
  const including = dhcpd(`subnet 198.51.100.0 netmask 255.255.255.0 {\n  range 198.51.100.200 198.51.100.250;\n}\ninclude "${fragment.file}";\n`)
  assert.is(including.code, 0, including.said)
})

test('kea-dhcp4 -t takes the complete configuration, an A-B range with --subnet too (and refuses an address outside the subnet)', () => {
  const bad = kea(JSON.stringify({ Dhcp4: { subnet4: [{ id: 1, subnet: '198.51.100.0/24', reservations: [{ 'hw-address': '52:54:00:12:01:01', 'ip-address': '198.51.101.5' }] }] } }))
  assert.is.not(bad.code, 0, bad.said)
  const r = kea(made({ format: 'kea' }))
  assert.is(r.code, 0, r.said)
  const ab = exportReservations(guests, { format: 'kea', range: parseLanRange('198.51.100.50-198.51.100.99'), subnet: parseCidr('198.51.100.0/24') }).text
  const r2 = kea(ab)
  assert.is(r2.code, 0, r2.said)
})

test('kea-dhcp4 -t takes the fragment included as a subnet\'s reservations', () => {
  const fragment = check('kea-dhcp4-server', () => ['--version'], made({ format: 'kea', fragment: true }), 'reservations.json')
  const r = kea(`{ "Dhcp4": { "subnet4": [ { "id": 1, "subnet": "198.51.100.0/24", "reservations": <?include "${fragment.file}"?> } ] } }`)
  assert.is(r.code, 0, r.said)
})

test.run()
