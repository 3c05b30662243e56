import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rolloutBatches } from '../../src/core/rollout.ts'

const hosts = Array.from({ length: 20 }, (_, i) => `h${i + 1}`)
const sizes = (serial: Parameters<typeof rolloutBatches>[1]) => rolloutBatches(hosts, serial).map((b) => b.length)

test('no serial: one batch of every host', () => {
  assert.equal(sizes(undefined), [20])
})

test('a number, a percentage, and the last size repeating', () => {
  assert.equal(sizes(5), [5, 5, 5, 5])
  assert.equal(sizes('25%'), [5, 5, 5, 5])
  assert.equal(sizes('30%'), [6, 6, 6, 2])
  assert.equal(sizes(50), [20])
})

test("a canary first: [1, '10%', '100%'] and the CLI's '1,10%,100%'", () => {
  assert.equal(sizes([1, '10%', '100%']), [1, 2, 17])
  assert.equal(sizes('1,10%,100%'), [1, 2, 17])
  assert.equal(rolloutBatches(hosts, [1, '10%'])[0], ['h1'])
})

test('a tiny percentage is still one host; bad values are usage errors', () => {
  assert.equal(sizes('1%'), Array(20).fill(1))
  for (const bad of [0, '0%', '150%', 'abc', -1]) assert.throws(() => rolloutBatches(hosts, bad), /invalid serial/)
})

test.run()
