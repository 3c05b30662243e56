/**
 * The guests' NAT identity and their address after the move, classified
 * from canned facts of a lab host with `--guests lease,static,inside`
 * (fixtures/canned/virsh-guests.txt: vm1 leased, vm3 with a static entry,
 * vm4 configured inside, vm2 shut off), and the migration report built
 * from them: rendering, the report file, and a later run's merge.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseLibvirtOutput } from '../../src/facts/libvirt.ts'
import { parseLeaseStatus, parseNeighbours } from '../../src/facts/guests.ts'
import { afterMove, hasGuestAgent, natIdentities, recordNetwork } from '../../src/guests/identity.ts'
import { guestsSection, mergeReports, parseReportFile } from '../../src/guests/report.ts'
import type { GuestsContribution } from '../../src/guests/report.ts'
import { NEIGH, NOW, STATUS } from '../fixtures/guests-canned.ts'

const canned = readFileSync(new URL('../fixtures/canned/virsh-guests.txt', import.meta.url), 'utf8')
const state = parseLibvirtOutput(canned)
const nat = { bridge: 'virbr0', now: NOW, leases: parseLeaseStatus(STATUS, NOW), neighbours: parseNeighbours(NEIGH) }
const mac = (n: number) => `52:54:00:12:01:0${n}`

test('each NIC on default: a lease, a static entry (with its lease), configured inside (seen, no lease, no entry), none (shut off)', () => {
  const ids = natIdentities('h1', state, 'default', nat)
  const by = Object.fromEntries(ids.map((g) => [g.guest, g]))
  assert.equal(Object.keys(by).sort(), ['vm1', 'vm2', 'vm3', 'vm4'])
  assert.equal(by.vm1, {
    host: 'h1', guest: 'vm1', mac: mac(1), network: 'default', state: 'running', address: '192.168.122.114', assignedBy: 'lease',
    hostname: 'vm1', leaseExpiry: new Date(1796185249 * 1000).toISOString(), seen: true, model: 'virtio', pci: '0000:00:03.0',
  })
  assert.equal([by.vm3.assignedBy, by.vm3.address, by.vm3.hostname, by.vm3.seen, !!by.vm3.leaseExpiry], ['static', '192.168.122.103', 'vm3', true, true])
  assert.equal([by.vm4.assignedBy, by.vm4.address, by.vm4.seen, by.vm4.leaseExpiry], ['configured-inside', '192.168.122.204', true, undefined])
  assert.equal([by.vm2.assignedBy, by.vm2.address, by.vm2.seen, by.vm2.state, by.vm2.model], ['none', undefined, undefined, 'shut off', 'rtl8139'])
})

test('a static entry not leased yet is static; a lease whose guest does not answer is not seen; a failed neighbour is not inside', () => {
  const quiet = { ...nat, leases: [], neighbours: parseNeighbours('[{"dst":"192.168.122.204","lladdr":"52:54:00:12:01:04","state":["FAILED"]}]') }
  const by = Object.fromEntries(natIdentities('h1', state, 'default', quiet).map((g) => [g.guest, g]))
  assert.equal([by.vm3.assignedBy, by.vm3.address, by.vm3.seen, by.vm3.leaseExpiry], ['static', '192.168.122.103', false, undefined])
  assert.equal([by.vm1.assignedBy, by.vm1.seen], ['none', false])
  assert.equal(by.vm4.assignedBy, 'none')
})

test("the network as recorded for the way back: inactive XML, autostart, static entries", () => {
  const net = recordNetwork('h1', state, 'default')!
  assert.equal(net.staticHosts, [{ mac: mac(3), name: 'vm3', ip: '192.168.122.103' }])
  assert.is(net.autostart, true)
  assert.match(net.xml, "<host mac='52:54:00:12:01:03' name='vm3' ip='192.168.122.103'/>")
  assert.is(recordNetwork('h1', state, 'nosuch'), undefined)
})

/** The canned state after the move: every NIC on br0. */
const moved = parseLibvirtOutput(canned.replace(/<interface type='network'>(\s*<mac address='[^']+'\/>\s*)<source network='default'[^>]*\/>/g, "<interface type='bridge'>$1<source bridge='br0'/>"))

test('after the move: the neighbour table on br0 where it saw the MAC, else unknown yet; no agent channel, no agent', () => {
  const br0 = parseNeighbours('[{"dst":"192.168.122.204","lladdr":"52:54:00:12:01:04","state":["REACHABLE"]}]')
  const after = Object.fromEntries(afterMove('h1', moved, 'br0', br0, new Map()).map((m) => [m.guest, m.after]))
  assert.equal(after, { vm1: { source: 'unknown' }, vm3: { source: 'unknown' }, vm4: { address: '192.168.122.204', source: 'neighbour' }, vm2: { source: 'unknown' } })
  assert.is(hasGuestAgent(moved.domains.get('vm1')!), false)
  const agent = afterMove('h1', moved, 'br0', br0, new Map([['vm1', { ok: true as const, addresses: [{ mac: mac(1), ip: '10.0.0.7', prefix: 24 }] }]]))
  assert.equal(agent.find((m) => m.guest === 'vm1')!.after, { address: '10.0.0.7', source: 'guest-agent' })
})

const contributions = (after = true) => {
  const c: { host: string; value: GuestsContribution }[] = [
    { host: 'h1', value: { phase: 'before', identities: natIdentities('h1', state, 'default', nat), network: recordNetwork('h1', state, 'default'), toBridge: 'br0' } },
  ]
  if (after) c.push({ host: 'h1', value: { phase: 'after', moved: afterMove('h1', moved, 'br0', [], new Map()) } })
  return c
}

test('the section: one guest report per NIC (before → after), the network, the guest that loses its address named', () => {
  const r = guestsSection.combine(contributions(), false)
  assert.is(r.report.kind, 'kvmplay-migration-report')
  assert.is(r.report.version, 1)
  assert.equal(r.report.guests.map((g) => [g.guest, g.assignedBy, g.toBridge, g.after?.source]), [
    ['vm1', 'lease', 'br0', 'unknown'], ['vm3', 'static', 'br0', 'unknown'], ['vm4', 'configured-inside', 'br0', 'unknown'], ['vm2', 'none', 'br0', 'unknown'],
  ])
  assert.equal(r.report.networks.map((n) => [n.host, n.name]), [['h1', 'default']])
  assert.equal(r.later, [])
  const text = guestsSection.render(r).join('\n')
  assert.match(text, /vm1\s+52:54:00:12:01:01  default: lease 192\.168\.122\.114 \(vm1, lease until .*, answers\) → br0: unknown yet/)
  assert.match(text, 'LOSES ITS ADDRESS: vm4 on h1 (52:54:00:12:01:04) has 192.168.122.204 configured inside the guest')
  // Heard on br0 at its NAT address (while the host still owned the NAT gateway): said as what it is, not as a LAN address.
  const heard = guestsSection.combine([...contributions(false), { host: 'h1', value: { phase: 'after', moved: afterMove('h1', moved, 'br0', parseNeighbours('[{"dst":"192.168.122.204","lladdr":"52:54:00:12:01:04","state":["STALE"]}]'), new Map()) } }], false)
  assert.match(guestsSection.render(heard).join('\n'), '→ br0: still 192.168.122.204, its NAT address (neighbour table): no LAN address yet')
  const checked = guestsSection.render(guestsSection.combine(contributions(false), true)).join('\n')
  assert.match(checked, 'check: nothing moved')
  assert.match(checked, 'would move to br0')
})

test('the report file: a later run that finds the guests on br0 keeps what the first recorded, with "after" brought up to date', () => {
  const first = JSON.parse(guestsSection.file!(guestsSection.combine(contributions(), false)))
  assert.equal(parseReportFile(JSON.stringify(first)), first)
  const seen = afterMove('h1', moved, 'br0', parseNeighbours('[{"dst":"192.168.122.204","lladdr":"52:54:00:12:01:04","state":["STALE"]}]'), new Map())
  const second = guestsSection.combine([{ host: 'h1', value: { phase: 'after', moved: seen } }], false)
  assert.equal(second.report.guests, [])
  assert.is(second.later.length, 4)
  assert.match(guestsSection.render(second).join('\n'), 'on br0 already (its NAT identity was recorded by an earlier run whose report this run did not find — kept per inventory, so another -i, or a --report FILE of its own: give that file with --report) → br0: 192.168.122.204 (neighbour table)')
  const merged = mergeReports(second, first)
  assert.equal(merged.guests.map((g) => [g.guest, g.assignedBy, g.address, g.after]), [
    ['vm1', 'lease', '192.168.122.114', { source: 'unknown' }],
    ['vm3', 'static', '192.168.122.103', { source: 'unknown' }],
    ['vm4', 'configured-inside', '192.168.122.204', { address: '192.168.122.204', source: 'neighbour' }],
    ['vm2', 'none', undefined, { source: 'unknown' }],
  ])
  assert.equal(merged.networks, first.networks, "the network recorded before the move is kept: the way back needs it")
  // With the file given (--report), the run's result is the merged report, and nothing is left "later".
  const withFile = guestsSection.combine([{ host: 'h1', value: { phase: 'after', moved: seen } }], false, JSON.stringify(first))
  assert.equal(withFile.report.guests, merged.guests)
  assert.equal(withFile.later, [])
  assert.match(guestsSection.render(withFile).join('\n'), /vm4\s+52:54:00:12:01:04  default: configured inside 192\.168\.122\.204 \(answers\) → br0: still 192\.168\.122\.204, its NAT address \(neighbour table\): no LAN address yet/)
  assert.equal(JSON.parse(guestsSection.file!(withFile)).guests, merged.guests)
  assert.throws(() => parseReportFile('{"kind":"other"}', 'r.json'), /migration report r\.json: not a kvmplay migration report/)
  assert.throws(() => parseReportFile('nope', 'r.json'), /migration report r\.json: not JSON/)
})

test.run()
