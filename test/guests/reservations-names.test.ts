import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { dhcpName, uniqueNames } from '../../src/guests/reservations-names.ts'

test('names become one lower-case label all three servers take', () => {
  assert.is(dhcpName('Web_Server.example.com'), 'web-server')
  assert.is(dhcpName('vm1'), 'vm1')
  assert.is(dhcpName('--a  b--'), 'a-b')
  assert.is(dhcpName('3600'), 'host-3600') // dnsmasq would read digits as a lease time
  assert.is(dhcpName('1h'), 'host-1h')
  assert.is(dhcpName('infinite'), 'infinite-host') // and these as its keywords
  assert.is(dhcpName('IGNORE'), 'ignore-host')
  assert.is(dhcpName('x'.repeat(80))!.length, 63)
  assert.is(dhcpName('___'), undefined)
  assert.is(dhcpName(undefined), undefined)
})

test('unique: a name wanted twice takes the host, then the MAC tail; a previous name is kept while free', () => {
  const n = (host: string, guest: string, mac: string, extra = {}) => ({ host, guest, mac, ...extra })
  const a = n('h1', 'vm1', '52:54:00:12:01:01')
  const b = n('h2', 'vm1', '52:54:00:12:02:01')
  const c = n('h1', 'vm1', '52:54:00:12:01:11')
  const d = n('h1', 'web', '52:54:00:12:01:03', { hostname: 'www' })
  const names = uniqueNames([a, b, c, d])
  assert.equal([names.get(a), names.get(b), names.get(c), names.get(d)], ['vm1-h1', 'vm1-h2', 'vm1-h1-0111', 'www'])
  // h1's vm1 was alone before and keeps "vm1"; the newcomer takes vm1-h2.
  const kept = uniqueNames([{ ...a, previous: 'vm1' }, b])
  assert.equal([...kept.values()], ['vm1', 'vm1-h2'])
})

test.run()
