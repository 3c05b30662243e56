/** The migration report read back by the way back, and `default` defined again from what it recorded. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { movedMacs, parseMigrationReport, readMigrationReport, recordedNetwork } from '../../src/guests/read-report.ts'
import { recordedNetworkOptions, STOCK_DEFAULT } from '../../src/guests/recorded-network.ts'
import { wantedNetwork } from '../../tasks/define-network.ts'
import type { MigrationReport } from '../../src/guests/types.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('report')

/** What `virsh net-dumpxml --inactive default` shows on a lab host, one static entry added. */
const XML = `<network>
  <name>default</name>
  <uuid>9d1d6a57-0b5e-4d0c-bb1c-3d2c1e0f4a11</uuid>
  <forward mode='nat'>
    <nat>
      <port start='1024' end='65535'/>
    </nat>
  </forward>
  <bridge name='virbr0' stp='on' delay='0'/>
  <mac address='52:54:00:4b:3f:8a'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
      <host mac='52:54:00:12:01:02' name='vm2' ip='192.168.122.50'/>
    </dhcp>
  </ip>
</network>
`
const report: MigrationReport = {
  kind: 'kvmplay-migration-report',
  version: 1,
  generated: '2026-12-02T03:00:00Z',
  guests: [
    { host: 'h1', guest: 'vm1', mac: '52:54:00:12:01:01', network: 'default', state: 'running', assignedBy: 'lease' },
    { host: 'h1', guest: 'vm2', mac: '52:54:00:12:01:02', network: 'default', state: 'shut off', assignedBy: 'static', address: '192.168.122.50' },
    { host: 'h2', guest: 'vm1', mac: '52:54:00:12:02:01', network: 'default', state: 'running', assignedBy: 'none' },
  ],
  networks: [{ host: 'h1', name: 'default', xml: XML, autostart: true, staticHosts: [{ mac: '52:54:00:12:01:02', name: 'vm2', ip: '192.168.122.50' }] }],
}

test('the recorded network as defineNetwork options: NAT, range, static entry, uuid and MAC, autostart', () => {
  const o = recordedNetworkOptions(recordedNetwork(report, 'h1', 'default')!)
  assert.equal(o, {
    name: 'default', forward: 'nat', bridge: 'virbr0', address: '192.168.122.1', prefix: 24,
    dhcp: { start: '192.168.122.2', end: '192.168.122.254', hosts: [{ mac: '52:54:00:12:01:02', ip: '192.168.122.50', name: 'vm2' }] },
    natPorts: { start: 1024, end: 65535 }, stp: true, delay: 0, autostart: true,
    identity: { uuid: '9d1d6a57-0b5e-4d0c-bb1c-3d2c1e0f4a11', mac: '52:54:00:4b:3f:8a' },
  })
  assert.ok(wantedNetwork(o), 'defineNetwork takes them')
  assert.is(recordedNetwork(report, 'h2', 'default'), undefined, 'h2 has no record: the stock default')
  assert.equal(wantedNetwork(STOCK_DEFAULT).dhcpRanges, [{ start: '192.168.122.2', end: '192.168.122.254' }])
})

test('the NICs that moved, by host', () => {
  assert.equal([...movedMacs(report, 'h1', 'default')], ['52:54:00:12:01:01', '52:54:00:12:01:02'])
  assert.equal([...movedMacs(report, 'h3', 'default')], [])
})

test('a file that is no report, or a wrong one: one clear error saying what to give', () => {
  assert.throws(() => parseMigrationReport('{', 'r.json'), /migration report r\.json: not JSON .*the way back without 'report' defines libvirt's stock default/)
  assert.throws(() => parseMigrationReport('{"kind":"other"}', 'r.json'), /not a kvmplay migration report/)
  assert.throws(() => parseMigrationReport(JSON.stringify({ ...report, version: 2 }), 'r.json'), /version 2, this kvmplay reads version 1/)
  const badHost = { ...report, networks: [{ ...report.networks[0], staticHosts: [{ mac: 'nope', ip: '192.168.122.50' }] }] }
  assert.throws(() => parseMigrationReport(JSON.stringify(badHost), 'r.json'), /networks\[0\]\.staticHosts\[0\]: invalid MAC "nope"/)
  assert.throws(() => readMigrationReport('/nonexistent/report.json'), /migration report \/nonexistent\/report\.json: cannot be read \(ENOENT\)/)
  const dir = temp.make()
  writeFileSync(join(dir, 'r.json'), JSON.stringify(report))
  assert.is(readMigrationReport(join(dir, 'r.json')).networks.length, 1)
})

test('a recorded network kvmplay cannot define as it was is refused, saying what to do', () => {
  const two = XML.replace("<range start='192.168.122.2' end='192.168.122.254'/>", "<range start='192.168.122.2' end='192.168.122.99'/><range start='192.168.122.150' end='192.168.122.254'/>")
  assert.throws(() => recordedNetworkOptions({ ...report.networks[0], xml: two }), /has 2 DHCP ranges; kvmplay's defineNetwork keeps one/)
  assert.throws(() => recordedNetworkOptions({ ...report.networks[0], xml: '<network' }), /its XML does not parse/)
})

test.after(temp.removeAll)
test.run()
