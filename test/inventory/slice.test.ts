/** --slice I/N: N workers cover every selected host exactly once, and a host's worker never depends on the others. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { inSlice, parseSlice, sliceOf } from '../../src/inventory/slice.ts'

const hosts = Array.from({ length: 200 }, (_, i) => `h${i + 1}`)

test('I/N parses; anything else is a clear error naming the form and the zero-based way', () => {
  assert.equal(parseSlice('2/4'), { index: 2, of: 4 })
  assert.equal(parseSlice(' 1 / 1 '), { index: 1, of: 1 })
  for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '-1/3', '1/2/3']) {
    assert.throws(() => parseSlice(bad), (e: Error) => e.message.includes(`invalid --slice '${bad}'`) && e.message.includes('JOB_COMPLETION_INDEX + 1'), bad)
  }
})

test('the slices of N workers cover every host exactly once, in the hosts\' order, for several N', () => {
  for (const of of [1, 2, 3, 7, 16]) {
    const shares = Array.from({ length: of }, (_, i) => inSlice(hosts, { index: i + 1, of }))
    assert.equal(shares.flat().sort(), [...hosts].sort(), `N=${of}`)
    for (const s of shares) assert.equal(s, hosts.filter((h) => s.includes(h)), 'in inventory order')
    // Even on average: no worker gets less than half or more than twice its share of 200.
    for (const s of shares) assert.ok(s.length > 100 / of && s.length < 400 / of, `N=${of}: ${shares.map((x) => x.length)}`)
  }
})

test("a host's slice depends on its name only: adding hosts or limiting moves nobody", () => {
  const before = new Map(hosts.map((h) => [h, sliceOf(h, 4)]))
  const more = [...hosts, 'new-1', 'new-2']
  for (const h of hosts) assert.is(inSlice(more, { index: before.get(h)!, of: 4 }).includes(h), true)
  const limited = hosts.filter((h) => h.endsWith('7'))
  for (const h of limited) assert.ok(inSlice(limited, { index: before.get(h)!, of: 4 }).includes(h))
  assert.is(sliceOf('h1', 4), sliceOf('h1', 4), 'the same every run')
})

test.run()
