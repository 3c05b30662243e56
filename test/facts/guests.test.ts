/**
 * The guests' address facts against canned output from a lab host with
 * `--guests lease,static,inside`: dnsmasq's status file, `ip -j -4 neigh`,
 * the NAT script's sections, and `virsh domifaddr --source agent`.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAgentAddresses, parseLeaseStatus, parseNatOutput, parseNeighbours } from '../../src/facts/guests.ts'

import { NEIGH, NOW, STATUS } from '../fixtures/guests-canned.ts'

test('the status file: leases with MAC, address, hostname and expiry; ended ones left out; empty or absent is none', () => {
  const leases = parseLeaseStatus(STATUS, NOW)
  assert.equal(leases[0], { mac: '52:54:00:12:01:01', ip: '192.168.122.114', hostname: 'vm1', expiry: 1796185249 })
  assert.is(leases.length, 2)
  assert.equal(parseLeaseStatus(STATUS, 1796185250), [], 'expired at the host clock')
  assert.equal(parseLeaseStatus('', NOW), [])
  assert.equal(parseLeaseStatus('[\n\n]', NOW), [])
  assert.throws(() => parseLeaseStatus('{oops', NOW), /not JSON/)
})

test('the neighbour table: address, MAC (lower case), states; an entry without lladdr has no MAC', () => {
  const n = parseNeighbours(NEIGH)
  assert.equal(n[0], { ip: '192.168.122.204', mac: '52:54:00:12:01:04', state: ['REACHABLE'] })
  assert.equal(n[3], { ip: '192.168.122.77', mac: undefined, state: ['FAILED'] })
  assert.equal(parseNeighbours(''), [])
})

test('the NAT script: clock, bridge, leases and neighbours by section; a network not running has only the clock', () => {
  const out = `@@NOW ${NOW}\n@@BRIDGE virbr0\n@@LEASES\n${STATUS}\n\n@@NEIGH\n${NEIGH}\n\n`
  const nat = parseNatOutput(out, 'test')
  assert.is(nat.bridge, 'virbr0')
  assert.is(nat.now, NOW)
  assert.is(nat.leases.length, 2)
  assert.is(nat.neighbours.length, 4)
  assert.equal(parseNatOutput(`@@NOW ${NOW}\n`, 'test'), { bridge: undefined, now: NOW, leases: [], neighbours: [] })
  assert.throws(() => parseNatOutput('garbage', 'test'), /no clock reading/)
})

test("the guest agent: addresses by MAC (ipv4), continuation lines; an agent that does not answer is virsh's error", () => {
  const out = ` lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
 -          -                    ipv6         ::1/128
 eth0       52:54:00:12:01:01    ipv4         10.1.2.3/24
 -          -                    ipv4         10.1.2.4/24
 -          -                    ipv6         fe80::5054:ff:fe12:101/64
`
  assert.equal(parseAgentAddresses(0, out), {
    ok: true,
    addresses: [
      { mac: '00:00:00:00:00:00', ip: '127.0.0.1', prefix: 8 },
      { mac: '52:54:00:12:01:01', ip: '10.1.2.3', prefix: 24 },
      { mac: '52:54:00:12:01:01', ip: '10.1.2.4', prefix: 24 },
    ],
  })
  const err = "error: Failed to query for interfaces addresses\nerror: argument unsupported: QEMU guest agent is not configured\n"
  assert.equal(parseAgentAddresses(1, err), { ok: false, error: 'error: argument unsupported: QEMU guest agent is not configured' })
})

test.run()
