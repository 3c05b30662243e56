/** `kvmplay reservations REPORT` as a user runs it: files, re-runs, bad input (exit 4). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { kvmplay } from '../helpers/cli.ts'
import { tempDirs } from '../helpers/temp.ts'
import { fleet, nic } from './fixtures.ts'
import type { MigrationReport, NatIdentity } from '../../src/guests/types.ts'

const temps = tempDirs('reservations-cli')
test.after(temps.removeAll)

const report = (dir: string, guests: NatIdentity[]) => {
  const file = join(dir, 'report.json')
  const r: MigrationReport = { kind: 'kvmplay-migration-report', version: 1, generated: '2026-12-02T03:00:00Z', guests, networks: [] }
  writeFileSync(file, JSON.stringify(r))
  return file
}

test('to stdout, or to a file that a re-run leaves alone and a new guest grows', () => {
  const dir = temps.make()
  const rep = report(dir, fleet())
  const printed = kvmplay(['reservations', rep, '--range', '198.51.100.50-198.51.100.99', '--format', 'dnsmasq'])
  assert.is(printed.code, 0, printed.err)
  assert.match(printed.out, 'dhcp-host=52:54:00:12:01:01,198.51.100.50,vm1\n')
  const out = join(dir, 'dhcpd.conf')
  const args = ['--range', '198.51.100.50-198.51.100.99', '--subnet', '198.51.100.0/24', '--format', 'isc', '-o', out]
  assert.match(kvmplay(['reservations', rep, ...args]).err, `4 guest NIC(s), ${out} written`)
  const first = readFileSync(out, 'utf8')
  assert.match(kvmplay(['reservations', rep, ...args]).err, `${out} unchanged`)
  const rep2 = report(dir, [nic('a0', 'first', '52:54:00:00:00:01'), ...fleet()])
  assert.is(kvmplay(['reservations', rep2, ...args]).code, 0)
  const grown = readFileSync(out, 'utf8')
  for (const block of first.split('\nhost ').slice(1)) assert.ok(grown.includes(block), `kept: host ${block}`)
  assert.match(grown, 'fixed-address 198.51.100.54;')
})

test('a map file; and bad input is exit 4 with what to do', () => {
  const dir = temps.make()
  const rep = report(dir, fleet())
  const map = join(dir, 'map.yaml')
  writeFileSync(map, "52:54:00:12:02:02: 198.51.100.99\n'h1/vm1': { ip: 198.51.100.98, name: gateway-vm }\n")
  const ok = kvmplay(['reservations', rep, '--range', '198.51.100.50-198.51.100.99', '--map', map, '--format', 'dnsmasq'])
  assert.is(ok.code, 0, ok.err)
  assert.match(ok.out, 'dhcp-host=52:54:00:12:02:02,198.51.100.99,vm2-h2')
  assert.match(ok.out, 'dhcp-host=52:54:00:12:01:01,198.51.100.98,gateway-vm')
  const small = kvmplay(['reservations', rep, '--range', '198.51.100.50-198.51.100.51', '--format', 'kea'])
  assert.is(small.code, 4)
  assert.match(small.err, '4 guest NIC(s) need an address and it has 2')
  const noFormat = kvmplay(['reservations', rep, '--range', '198.51.100.0/24'])
  assert.is(noFormat.code, 4)
  assert.match(noFormat.err, 'format')
  writeFileSync(join(dir, 'x.json'), '{"guests": []}')
  const wrong = kvmplay(['reservations', join(dir, 'x.json'), '--range', '198.51.100.0/24', '--format', 'kea'])
  assert.is(wrong.code, 4)
  assert.match(wrong.err, 'is not a kvmplay migration report')
  const badMac = kvmplay(['reservations', report(temps.make(), [nic('h1', 'vm1', 'zz:54:00:12:01:01')]), '--range', '198.51.100.0/24', '--format', 'kea'])
  assert.is(badMac.code, 4)
  assert.match(badMac.err, 'invalid MAC of h1/vm1 (guests[0].mac)')
})

test.run()
