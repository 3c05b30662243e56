import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hostPlan, hostIndex, validateLabName, validateLabNet, validateHostCount, MAX_HOSTS, MAX_CHEAP_HOSTS } from '../../src/lab/addressing.ts'

const lab = { name: 'lab', net: '198.18' } as const

test('host N is addressed from its own /24 of the lab net, gateway on the root side', () => {
  const h = hostPlan(lab, 7)
  assert.is(h.name, 'h7')
  assert.is(h.address, '198.18.7.2')
  assert.is(h.gateway, '198.18.7.1')
  assert.is(h.prefix, 24)
  assert.is(h.uplink, 'eth0')
})

test('names fit Linux interface names (15 chars) even for the longest lab name and host index', () => {
  const h = hostPlan({ name: 'abcdef', net: '198.19' }, MAX_HOSTS)
  assert.ok(h.vethRoot.length <= 15, h.vethRoot)
  assert.is(h.netns, 'kvmplay-abcdef-h254')
})

test('MACs are stable, unique across hosts and labs, locally administered for the uplink', () => {
  const macs = new Set<string>()
  for (const net of ['198.18', '198.19'] as const) {
    for (let i = 1; i <= MAX_HOSTS; i++) {
      const h = hostPlan({ name: 'lab', net }, i)
      for (const mac of [h.mac, ...h.domains.map((d) => d.mac)]) {
        assert.ok(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac), mac)
        assert.not.ok(macs.has(mac), `duplicate ${mac}`)
        macs.add(mac)
      }
      assert.is(parseInt(h.mac.slice(0, 2), 16) & 0b11, 0b10, 'unicast, locally administered')
    }
  }
  assert.equal(hostPlan(lab, 3), hostPlan(lab, 3))
})

test('each host has one running and one shut-off guest on fixed MACs', () => {
  const h = hostPlan(lab, 2)
  assert.equal(h.domains.map((d) => [d.name, d.running]), [['vm1', true], ['vm2', false]])
  assert.is(h.domains[0].mac, '52:54:00:12:02:01')
})

test('hostIndex accepts h1..h1000 only (a cheap lab goes past 254)', () => {
  assert.is(hostIndex('h1'), 1)
  assert.is(hostIndex('h254'), 254)
  assert.is(hostIndex('h1000'), 1000)
  for (const bad of ['h0', 'h1001', 'h01', 'x1', 'h1; rm -rf /', '']) assert.is(hostIndex(bad), undefined, bad)
})

test('a cheap lab packs each host into its own /30, up to 1000 hosts, with unique MACs and interface names that fit', () => {
  const cheap = { name: 'abcdef', net: '198.19', cheap: true } as const
  assert.equal([hostPlan(cheap, 1).gateway, hostPlan(cheap, 1).address, hostPlan(cheap, 1).prefix], ['198.19.0.5', '198.19.0.6', 30])
  assert.equal([hostPlan(cheap, 1000).gateway, hostPlan(cheap, 1000).address], ['198.19.15.161', '198.19.15.162'])
  const seen = new Set<string>()
  for (let i = 1; i <= MAX_CHEAP_HOSTS; i++) {
    const h = hostPlan(cheap, i)
    assert.equal(h.domains, [], 'no libvirtd, no guests')
    assert.ok(h.vethRoot.length <= 15, h.vethRoot)
    for (const v of [h.mac, h.address, h.gateway]) {
      assert.not.ok(seen.has(v), `duplicate ${v}`)
      seen.add(v)
    }
    // Inside one /30: network 4N, gateway 4N+1, host 4N+2, broadcast 4N+3.
    const last = (a: string) => Number(a.split('.')[2]) * 256 + Number(a.split('.')[3])
    assert.is(last(h.address) - last(h.gateway), 1)
    assert.is(last(h.gateway) % 4, 1)
  }
  // A full lab's MACs are unchanged by the two-byte index (h1..h254 as before).
  assert.is(hostPlan(lab, 254).mac, '02:6b:76:12:00:fe')
  assert.is(hostPlan(cheap, 300).mac, '02:6b:76:13:01:2c')
})

test('bad lab names, nets and counts are refused with the reason', () => {
  assert.throws(() => validateLabName('Lab'), /invalid lab name/)
  assert.throws(() => validateLabName('toolongname'), /15 characters/)
  assert.throws(() => validateLabNet('192.168'), /198\.18\.0\.0\/15/)
  assert.throws(() => validateHostCount(0), /1 to 254/)
  assert.throws(() => validateHostCount(255), /1 to 254/)
  assert.throws(() => validateHostCount(2.5), /1 to 254/)
  assert.throws(() => validateHostCount(255), /up to 1000 with --cheap/)
  assert.is(validateHostCount(1000, true), 1000)
  assert.throws(() => validateHostCount(1001, true), /cheap hosts holds 1 to 1000/)
})

test.run()
