/** The run's reservations, with a reader of canned NICs: checked and written before any task, or refused. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { planRunReservations } from '../../src/guests/reservations-run.ts'
import type { RunReservationsOptions } from '../../src/guests/reservations-run.ts'
import { resolveSpec } from '../../src/guests/reservations-spec.ts'
import { runReservationsSpec } from '../../src/commands/run-reservations.ts'
import type { RunHost } from '../../src/core/runner.ts'
import type { NatIdentity } from '../../src/guests/types.ts'
import { errorMessageOf, rejectionMessageOf } from '../helpers/errors.ts'
import { tempDirs } from '../helpers/temp.ts'
import { fleet, nic } from './fixtures.ts'

const temps = tempDirs('reservations-run')
test.after(temps.removeAll)

const runHost = (name: string): RunHost => ({ name, vars: {}, groups: [], target: { kind: 'local' } as RunHost['target'] })
const options = (guests: NatIdentity[], extra: Partial<RunReservationsOptions> = {}): RunReservationsOptions => ({
  hosts: [...new Set(guests.map((g) => g.host))].map(runHost),
  vars: () => ({}),
  connect: () => Promise.reject(new Error('the canned reader needs no connection')),
  forks: 5,
  check: false,
  playbookDir: '/tmp',
  read: async (host) => guests.filter((g) => g.host === host.name),
  ...extra,
})

test('written before the run; again: unchanged (same bytes, same mtime); a new guest moves nobody', async () => {
  const out = join(temps.make(), 'guests.conf')
  const spec = { range: '198.51.100.50-198.51.100.99', format: 'dnsmasq' as const, out }
  const first = await planRunReservations(resolveSpec(spec), options(fleet()))
  assert.is(first.status, 'written')
  const text = readFileSync(out, 'utf8')
  const mtime = statSync(out).mtimeMs
  const again = await planRunReservations(resolveSpec(spec), options(fleet()))
  assert.is(again.status, 'unchanged')
  assert.is(statSync(out).mtimeMs, mtime)
  const grown = [nic('h0', 'new', '52:54:00:12:00:01'), ...fleet()]
  await planRunReservations(resolveSpec(spec), options(grown))
  const now = readFileSync(out, 'utf8')
  for (const line of text.split('\n').filter((l) => l.startsWith('dhcp-host='))) assert.ok(now.includes(line), `kept: ${line}`)
  assert.match(now, 'dhcp-host=52:54:00:12:00:01,198.51.100.54,new')
})

test('--check plans and says so, writing nothing', async () => {
  const out = join(temps.make(), 'guests.conf')
  const r = await planRunReservations(resolveSpec({ range: '198.51.100.0/24', format: 'kea', out }), options(fleet(), { check: true }))
  assert.is(r.status, 'would be written (--check)')
  assert.is(r.reservations.length, 4)
  assert.not.ok(existsSync(out))
})

test("a file kvmplay did not write is neither read back nor overwritten", () => {
  const out = join(temps.make(), 'dnsmasq.conf')
  writeFileSync(out, 'dhcp-range=198.51.100.100,198.51.100.200\n')
  const m = errorMessageOf('usage', () => resolveSpec({ range: '198.51.100.50-198.51.100.99', format: 'dnsmasq', out }))
  assert.match(m, 'exists and kvmplay did not write it')
  assert.is(readFileSync(out, 'utf8'), 'dhcp-range=198.51.100.100,198.51.100.200\n')
})

test('a range too small for the fleet is refused before anything, the file untouched', async () => {
  const out = join(temps.make(), 'guests.conf')
  writeFileSync(out, '# before, by kvmplay\n')
  const m = await rejectionMessageOf('validation', planRunReservations(resolveSpec({ range: '198.51.100.50-198.51.100.52', format: 'dnsmasq', out }), options(fleet())))
  assert.match(m, '4 guest NIC(s) need an address and it has 3')
  assert.is(readFileSync(out, 'utf8'), '# before, by kvmplay\n')
})

test("a host whose guests cannot be read stops it, naming the host", async () => {
  const read = async (host: { name: string }) => {
    if (host.name === 'h2') throw new Error('libvirtd is not running')
    return fleet().filter((g) => g.host === host.name)
  }
  const m = await rejectionMessageOf('connect', planRunReservations(resolveSpec({ range: '198.51.100.0/24', format: 'dnsmasq', out: join(temps.make(), 'g.conf') }), options(fleet(), { read })))
  assert.match(m, 'h2: libvirtd is not running')
  assert.match(m, 'nothing was changed')
})

test('a run limited to h1 keeps h2\'s reservations from the previous file', async () => {
  const out = join(temps.make(), 'guests.conf')
  const spec = { range: '198.51.100.50-198.51.100.99', format: 'isc' as const, subnet: '198.51.100.0/24', out }
  await planRunReservations(resolveSpec(spec), options(fleet()))
  const before = readFileSync(out, 'utf8')
  const onlyH1 = fleet().filter((g) => g.host === 'h1')
  const r = await planRunReservations(resolveSpec(spec), options(onlyH1))
  assert.is(r.reservations.length, 4)
  assert.is(readFileSync(out, 'utf8'), before)
})

test('the options: command line over the playbook, paths of the playbook at the playbook, what is missing named', () => {
  const dir = temps.make()
  writeFileSync(join(dir, 'map.yaml'), "'52:54:00:12:01:01': 198.51.100.60\n")
  const both = runReservationsSpec({ reservationsFormat: 'kea' }, { range: '198.51.100.0/24', format: 'dnsmasq', map: 'map.yaml', out: 'guests.json' }, dir)!
  assert.is(both.options.format, 'kea')
  assert.is(both.options.out, join(dir, 'guests.json'))
  assert.is(both.options.map?.kind, 'entries')
  assert.is(both.network, 'default')
  assert.is(runReservationsSpec({}, undefined, dir), undefined)
  assert.match(errorMessageOf('usage', () => runReservationsSpec({ reservationsRange: '198.51.100.0/24', reservationsOut: 'x' }, undefined, dir)), '--reservations-format')
  assert.match(errorMessageOf('usage', () => runReservationsSpec({ reservationsRange: '198.51.100.0/24', reservationsFormat: 'isc' }, undefined, dir)), '--reservations-out FILE')
  assert.match(errorMessageOf('usage', () => resolveSpec({ format: 'dnsmasq' })), 'give a LAN range')
  assert.match(errorMessageOf('usage', () => resolveSpec({ format: 'bind' as never, range: '198.51.100.0/24' })), 'not one of dnsmasq, dnsmasq-hosts, isc, kea')
  assert.match(errorMessageOf('usage', () => resolveSpec({ format: 'isc', map: '/nonexistent/map.yaml' })), 'cannot read the reservations map /nonexistent/map.yaml')
  assert.match(errorMessageOf('usage', () => resolveSpec({ format: 'isc', range: '198.51.100.0/24', previous: '/nonexistent/old.conf' })), 'does not exist')
  assert.match(errorMessageOf('validation', () => resolveSpec({ format: 'isc', range: '198.51.100.0/24', subnet: '198.51.100.0' })), 'invalid LAN subnet')
})

test.run()
