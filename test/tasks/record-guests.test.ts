/**
 * recordGuests' after, planned against canned facts of a lab host with
 * `--guests lease,static,inside` whose NICs are on br0 now: each guest NIC
 * with a LAN reservation is asked at it, waited for only when `before` saw
 * it take its NAT address by DHCP (its client asks again on the bridge);
 * without reservations nothing is asked. The probe's script is checked by
 * dash. That a guest really answers at its reservation is proven on the lab
 * (test/guests/lan-dhcp.lab.test.ts).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { recordGuests } from '../../tasks/guests.ts'
import { parseLibvirtOutput } from '../../src/facts/libvirt.ts'
import type { LibvirtState } from '../../src/facts/libvirt.ts'
import { parseLeaseStatus, parseNeighbours, reservedNeighboursFact } from '../../src/facts/guests.ts'
import type { ReservedProbe } from '../../src/facts/guests.ts'
import type { Host } from '../../src/core/host.ts'
import type { GuestsContribution } from '../../src/guests/report.ts'
import { cannedHost } from '../helpers/host.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { NEIGH, NOW, STATUS } from '../fixtures/guests-canned.ts'

const canned = readFileSync(new URL('../fixtures/canned/virsh-guests.txt', import.meta.url), 'utf8')
const onNat = parseLibvirtOutput(canned)
const nat = { bridge: 'virbr0', now: NOW, leases: parseLeaseStatus(STATUS, NOW), neighbours: parseNeighbours(NEIGH) }
const mac = (n: number) => `52:54:00:12:01:0${n}`

/** The same guests with every NIC on br0, live and persistent. */
function onBridge(state: LibvirtState): LibvirtState {
  const move = <I extends { type: string; source?: string }>(i: I): I => ({ ...i, type: 'bridge', source: 'br0' })
  const domains = new Map([...state.domains].map(([n, d]) => [n, { ...d, interfaces: d.interfaces.map(move), liveInterfaces: d.liveInterfaces?.map(move) }]))
  return { ...state, domains }
}

const RESERVED: Record<string, string> = { [mac(1)]: '198.51.100.50', [mac(3)]: '198.51.100.52', [mac(4)]: '198.51.100.53', [mac(2)]: '198.51.100.51' }

function host(reserved: Record<string, string>, probe: (args: ReservedProbe) => unknown) {
  let state = onNat
  const contributed: GuestsContribution[] = []
  const h: Host = {
    ...cannedHost({ libvirt: () => state, 'nat-addresses': () => nat, neighbours: () => [], 'reserved-neighbours': probe }),
    contribute: (_section, value) => void contributed.push(value as GuestsContribution),
    reservedAddress: (m) => reserved[m.toLowerCase()],
  }
  return { h, contributed, move: () => (state = onBridge(onNat)) }
}

test('after: each running guest on the bridge asked at its reservation, waited for only if it took its NAT address by DHCP', async () => {
  const asked: ReservedProbe[] = []
  const answers = parseNeighbours(`[{"dst":"198.51.100.50","lladdr":"${mac(1)}","state":["REACHABLE"]},{"dst":"198.51.100.53","lladdr":"${mac(4)}","state":["FAILED"]}]`)
  const { h, contributed, move } = host(RESERVED, (args) => (asked.push(args), answers))
  const guests = recordGuests({ bridge: 'br0' })
  await guests.before.plan(h)
  move()
  const plan = await guests.after.plan(h)
  assert.equal(asked, [{ bridge: 'br0', reserved: [[mac(1), '198.51.100.50', true], [mac(3), '198.51.100.52', true], [mac(4), '198.51.100.53', false]], waitSeconds: 15 }], 'vm2 is shut off: not asked; vm4 was configured inside: asked once')
  const after = contributed.find((c) => c.phase === 'after')
  assert.ok(after && after.phase === 'after')
  const by = Object.fromEntries(after.moved.map((m) => [m.guest, m.after]))
  assert.equal(by.vm1, { address: '198.51.100.50', source: 'neighbour' })
  assert.equal(by.vm3, { source: 'unknown' })
  assert.equal(by.vm4, { source: 'unknown' }, 'a FAILED entry is no answer')
  assert.match(plan.reason ?? '', 'vm1 198.51.100.50')
})

test('after: no reservation, nothing asked; a later run (before finds no guest on NAT) asks without waiting', async () => {
  const none = host({}, () => assert.unreachable('asked without a reservation'))
  const guests = recordGuests({ bridge: 'br0' })
  await guests.before.plan(none.h)
  none.move()
  await guests.after.plan(none.h)
  const asked: ReservedProbe[] = []
  const later = host(RESERVED, (args) => (asked.push(args), []))
  later.move()
  const again = recordGuests({ bridge: 'br0', waitForReserved: 5 })
  await again.before.plan(later.h)
  await again.after.plan(later.h)
  assert.ok(asked[0].reserved.every(([, , waited]) => !waited), 'nothing moved in this run: every guest asked once')
})

test('waitForReserved is 0 to 60 seconds', () => {
  assert.match(errorMessageOf('validation', () => recordGuests({ bridge: 'br0', waitForReserved: 61 })), 'waitForReserved must be 0 to 60 seconds, not 61')
  assert.match(errorMessageOf('validation', () => recordGuests({ bridge: 'br0', waitForReserved: -1 })), 'not -1')
})

test("the probe's script: dash reads it, each MAC=IP=WAIT a word of its own (quoted where needed), the wait capped", () => {
  const script = reservedNeighboursFact.command({ bridge: 'br0', reserved: [[mac(1), '198.51.100.50', true], [mac(4), '198.51.100.53', false]], waitSeconds: 600 })
  const r = spawnSync('dash', ['-n'], { input: script, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  assert.match(script, `for p in ${mac(1)}=198.51.100.50=1 ${mac(4)}=198.51.100.53=0; do`)
  assert.match(script, 'end=$(( $(date +%s) + 60 ))')
  assert.match(script, 'ping -c 1 -W 1 -I "$br"')
})

test.run()
