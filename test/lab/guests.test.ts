/** The lab's guest stand-ins (lab up --guests): parsing, which domains, MACs and addresses, the files boot.sh reads. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hostPlan } from '../../src/lab/addressing.ts'
import { labGuests, parseGuests, standInLines, staticHostLines } from '../../src/lab/guests.ts'

const h2 = hostPlan({ name: 'test', net: '198.19' }, 2)

test('--guests: a list of kinds; none or empty is today\'s lab; an unknown kind names the known ones', () => {
  assert.equal(parseGuests('lease,static,inside'), ['lease', 'static', 'inside'])
  assert.equal(parseGuests('none'), [])
  assert.equal(parseGuests(''), [])
  assert.throws(() => parseGuests('lease,dhcp'), /'dhcp' is not a guest kind; use a comma-separated list of lease, static, inside/)
})

test('vm1 takes the first kind, vm3, vm4 … the others (running, virtio, MAC by number); vm2 stays shut off', () => {
  const { domains, standIns } = labGuests(h2, parseGuests('lease,static,inside'))
  assert.equal(domains.map((d) => [d.name, d.mac, d.running]), [
    ['vm1', '52:54:00:13:02:01', true], ['vm2', '52:54:00:13:02:02', false], ['vm3', '52:54:00:13:02:03', true], ['vm4', '52:54:00:13:02:04', true],
  ])
  assert.equal(standIns, [
    { domain: 'vm1', kind: 'lease', mac: '52:54:00:13:02:01', address: undefined },
    { domain: 'vm3', kind: 'static', mac: '52:54:00:13:02:03', address: '192.168.122.103' },
    { domain: 'vm4', kind: 'inside', mac: '52:54:00:13:02:04', address: '192.168.122.204' },
  ])
  assert.is(standInLines(standIns), 'vm1 lease 52:54:00:13:02:01 - 192.168.122.1\nvm3 static 52:54:00:13:02:03 192.168.122.103 192.168.122.1\nvm4 inside 52:54:00:13:02:04 192.168.122.204 192.168.122.1\n')
  assert.is(staticHostLines(standIns), "<host mac='52:54:00:13:02:03' name='vm3' ip='192.168.122.103'/>\n")
  assert.equal(labGuests(h2, []), { domains: h2.domains, standIns: [] })
})

test.run()
