/**
 * Reservations within the fleet migration, on real lab hosts: a range too
 * small for the fleet stops the run before anything moves (checked on the
 * hosts); the file is written before the move, from what libvirt has (a
 * static <host> entry's name carried over), checked by the DHCP server's own
 * parser; a re-run changes neither the hosts nor the file; after the move
 * the other formats come out with the same addresses from the file read back.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { CHECKER_PACKAGES } from '../../src/lab/preflight.ts'
import { parsePrevious } from '../../src/guests/reservations-previous.ts'
import { TEST_LAB, labSkipReason, labTest, onHost, useLab } from '../helpers/lab.ts'
import { FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'
import { tempDirs } from '../helpers/temp.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const s = suite('reservations in the migration run')
const it = labTest(s)
const temps = tempDirs('reservations-lab')
let hosts: HostPlan[] = []
let inventory = ''
let dir = ''

/** What the migration would change on a host: the guests' NICs, the networks, the bridges, forwarding. */
const state = (h: HostPlan) =>
  // The bridges by name and MAC, not their carrier: virbr0's flips to UP on its own as a booting guest's vnet comes up.
  onHost(h, `virsh domiflist vm1; virsh domiflist vm2; virsh net-list --all --name; virsh net-dumpxml default 2>&1 | grep "<host" ; ip -br link show type bridge | awk '{print $1, $3}'; cat /proc/sys/net/ipv4/ip_forward`)

const checker = (pkg: string, args: string[]) => {
  const r = spawnSync(CHECKER_PACKAGES[pkg], args, { encoding: 'utf8' })
  assert.is(r.status, 0, `${pkg}: ${r.stdout}${r.stderr}`)
}

s.before(async () => {
  if (labSkipReason) return
  // uvu says nothing of a hook that throws: say it.
  try {
    await bringUp()
  } catch (e) {
    console.error('reservations lab: before', e)
    throw e
  }
})

async function bringUp() {
  await labDown(TEST_LAB)
  const lab = await useLab(2)
  hosts = lab.hosts
  inventory = lab.inventory
  dir = temps.make()
  // h1's vm2 has a static entry on default, with a name the reservations must carry.
  const vm2 = hosts[0].domains[1].mac
  await onHost(hosts[0], `virsh net-update default add ip-dhcp-host "<host mac='${vm2}' name='db-server' ip='192.168.122.20'/>" --live --config`)
}
s.after(temps.removeAll)

const args = (...more: string[]) => ['run', MIGRATE, '-i', inventory, '--json', ...more]
const macs = () => hosts.flatMap((h) => h.domains.map((d) => d.mac)).sort()

it('a range too small for the fleet: exit 4 naming NICs and addresses, nothing moved, no file', async () => {
  const before = await Promise.all(hosts.map(state))
  const out = join(dir, 'small.conf')
  const res = kvmplay(args('--reservations-range', '198.51.100.50-198.51.100.52', '--reservations-format', 'dnsmasq', '--reservations-out', out))
  assert.is(res.code, 4, res.out + res.err)
  assert.match(res.err, 'the LAN range 198.51.100.50-198.51.100.52 is too small: 4 guest NIC(s) need an address and it has 3')
  assert.not.match(res.out, '"type":"task"', 'no task ran')
  assert.not.ok(existsSync(out))
  assert.equal(await Promise.all(hosts.map(state)), before)
})

it('--check: the reservations planned, no file, nothing changed', async () => {
  const before = await Promise.all(hosts.map(state))
  const out = join(dir, 'kea-dhcp4.json')
  const res = kvmplay(args('--check', '--reservations-range', '198.51.100.0/24', '--reservations-exclude', '198.51.100.1', '--reservations-format', 'kea', '--reservations-out', out))
  assert.is(res.code, 0, res.out + res.err)
  const line = JSON.parse(res.out.split('\n')[0])
  assert.is(line.type, 'reservations')
  assert.is(line.status, 'would be written (--check)')
  assert.equal(line.reservations.map((r: { mac: string }) => r.mac).sort(), macs())
  assert.not.ok(existsSync(out))
  assert.equal(await Promise.all(hosts.map(state)), before)
})

it('the migration writes the Kea file before the move; kea-dhcp4 -t takes it; the static entry\'s name is carried; the report gives each guest its reservation', async () => {
  const out = join(dir, 'kea-dhcp4.json')
  const report = join(dir, 'migration.json')
  const res = kvmplay(args('--reservations-range', '198.51.100.0/24', '--reservations-exclude', '198.51.100.1', '--reservations-format', 'kea', '--reservations-out', out, '--report', report))
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).exitCode, 0)
  assert.is(JSON.parse(res.out.split('\n')[0]).status, 'written')
  checker('kea-dhcp4-server', ['-t', out])
  const conf = JSON.parse(readFileSync(out, 'utf8'))
  const rs = conf.Dhcp4.subnet4[0].reservations as { 'hw-address': string; 'ip-address': string; hostname: string }[]
  // The MACs are the ones on the hosts, now on br0.
  for (const h of hosts) {
    const ifaces = await onHost(h, 'virsh domiflist vm1; virsh domiflist vm2')
    for (const d of h.domains) assert.match(ifaces, new RegExp(`bridge\\s+br0\\s+\\S+\\s+${d.mac}`))
  }
  assert.equal(rs.map((r) => r['hw-address']).sort(), macs())
  assert.equal(rs.map((r) => r['ip-address']), ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'])
  assert.is(rs.find((r) => r['hw-address'] === hosts[0].domains[1].mac)!.hostname, 'db-server')
  assert.is(rs.find((r) => r['hw-address'] === hosts[1].domains[0].mac)!.hostname, 'vm1-h2')
  const guests = JSON.parse(readFileSync(report, 'utf8')).guests as { mac: string; reserved?: string }[]
  assert.equal(guests.map((g) => [g.mac, g.reserved]).sort(), rs.map((r) => [r['hw-address'], r['ip-address']]).sort())
})

it('again: no host changes, the file is left alone', async () => {
  const out = join(dir, 'kea-dhcp4.json')
  const mtime = statSync(out).mtimeMs
  const text = readFileSync(out, 'utf8')
  const res = kvmplay(args('--reservations-range', '198.51.100.0/24', '--reservations-exclude', '198.51.100.1', '--reservations-format', 'kea', '--reservations-out', out))
  assert.is(res.code, 0, res.out + res.err)
  assert.is(JSON.parse(res.out.split('\n')[0]).status, 'unchanged')
  for (const [h, r] of Object.entries(recapOf(res.out).hosts)) assert.is(r.changed, 0, h)
  assert.is(readFileSync(out, 'utf8'), text)
  assert.is(statSync(out).mtimeMs, mtime)
})

it('after the move, dnsmasq and ISC files from the Kea file read back: the same addresses and names; their checkers take them', async () => {
  const kea = parsePrevious(readFileSync(join(dir, 'kea-dhcp4.json'), 'utf8'), 'kea')
  const same = (file: string) => assert.equal(parsePrevious(readFileSync(file, 'utf8'), file).map((e) => [e.mac, e.ip, e.name]).sort(), kea.map((e) => [e.mac, e.ip, e.name]).sort())
  const dnsmasq = join(dir, 'guests.conf')
  const r1 = kvmplay(args('--reservations-range', '198.51.100.0/24', '--reservations-exclude', '198.51.100.1', '--reservations-format', 'dnsmasq', '--reservations-out', dnsmasq, '--reservations-previous', join(dir, 'kea-dhcp4.json')))
  assert.is(r1.code, 0, r1.out + r1.err)
  checker('dnsmasq-base', ['--test', '-C', dnsmasq])
  same(dnsmasq)
  const isc = join(dir, 'dhcpd.conf')
  const r2 = kvmplay(args('--reservations-range', '198.51.100.0/24', '--reservations-exclude', '198.51.100.1', '--reservations-format', 'isc', '--reservations-out', isc, '--reservations-previous', dnsmasq))
  assert.is(r2.code, 0, r2.out + r2.err)
  checker('isc-dhcp-server', ['-t', '-cf', isc])
  same(isc)
})

it("a playbook's reservations with a map function: vm2s where the function says", async () => {
  const out = join(dir, 'from-playbook.conf')
  const res = kvmplay(['run', join(FIXTURES, 'reservations.play.ts'), '-i', inventory, '--reservations-out', out, '--reservations-previous', join(dir, 'guests.conf')])
  assert.is(res.code, 0, res.out + res.err)
  const text = readFileSync(out, 'utf8')
  assert.match(text, `dhcp-host=${hosts[0].domains[1].mac},198.51.100.201,db-server`)
  assert.match(text, `dhcp-host=${hosts[1].domains[1].mac},198.51.100.202,`)
  assert.match(text, `dhcp-host=${hosts[0].domains[0].mac},198.51.100.2,vm1-h1`)
  checker('dnsmasq-base', ['--test', '-C', out])
})

s.run()
