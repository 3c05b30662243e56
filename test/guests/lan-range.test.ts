import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseLanRange, parseCidr } from '../../src/guests/lan-range.ts'
import { errorMessageOf } from '../helpers/errors.ts'

const all = (text: string, exclude: string[] = []) => [...parseLanRange(text, exclude).addresses()]

test('a range A-B holds both ends, lowest first', () => {
  const r = parseLanRange('198.51.100.50-198.51.100.99')
  assert.is(r.size, 50)
  assert.is(all('198.51.100.50-198.51.100.52').join(' '), '198.51.100.50 198.51.100.51 198.51.100.52')
  assert.ok(r.contains('198.51.100.99'))
  assert.not.ok(r.contains('198.51.100.100'))
  assert.not.ok(r.contains('198.51.100.49'))
})

test('a CIDR leaves out its network and broadcast addresses, and is the subnet', () => {
  const r = parseLanRange('198.51.100.0/29')
  assert.equal(all('198.51.100.0/29'), ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6'])
  assert.equal(r.cidr && `${r.cidr.network}/${r.cidr.prefix}`, '198.51.100.0/29')
  assert.is(parseLanRange('198.51.100.8/31').size, 2) // RFC 3021: both addresses of a /31
  assert.is(parseLanRange('10.0.0.0/8').size, 2 ** 24 - 2) // no array of 16 M addresses behind it
})

test('exclusions (addresses, ranges, CIDRs) and comma-separated pieces', () => {
  assert.equal(all('198.51.100.0/29', ['198.51.100.1', '198.51.100.3-198.51.100.4']), ['198.51.100.2', '198.51.100.5', '198.51.100.6'])
  assert.equal(all('198.51.100.10-198.51.100.11,198.51.100.20'), ['198.51.100.10', '198.51.100.11', '198.51.100.20'])
  // Overlapping pieces count once.
  assert.is(parseLanRange('198.51.100.10-198.51.100.20,198.51.100.15-198.51.100.25').size, 16)
  assert.match(parseLanRange('198.51.100.0/24', ['198.51.100.1']).text, 'except 198.51.100.1')
})

test('bad ranges are refused, naming the field and the value', () => {
  assert.match(errorMessageOf('validation', () => parseLanRange('198.51.100.300-198.51.100.310')), 'invalid LAN range "198.51.100.300"')
  assert.match(errorMessageOf('validation', () => parseLanRange('198.51.100.99-198.51.100.50')), 'end is not below its start')
  assert.match(errorMessageOf('validation', () => parseLanRange('198.51.100.50/24')), 'the network address of the block, 198.51.100.0/24')
  assert.match(errorMessageOf('validation', () => parseLanRange('')), 'invalid LAN range')
  assert.match(errorMessageOf('validation', () => parseLanRange('1.2.3.4-1.2.3.5-1.2.3.6')), 'address range')
  assert.match(errorMessageOf('validation', () => parseLanRange('198.51.100.1', ['198.51.100.1'])), 'has no address left')
  assert.match(errorMessageOf('validation', () => parseLanRange('198.51.100.0/24', ['nope'])), 'LAN range exclusion')
  assert.match(errorMessageOf('validation', () => parseCidr('198.51.100.0/33', 'LAN subnet')), 'LAN subnet prefix length')
})

test.run()
