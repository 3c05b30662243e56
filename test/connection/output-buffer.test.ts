/** A command's output as it arrives: appended cheaply, searched only where it is new. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { OutputBuffer } from '../../src/connection/output-buffer.ts'

test('chunks of any size come out as the bytes they were, in order', () => {
  const b = new OutputBuffer()
  const parts = ['a', 'bc', 'x'.repeat(5000), 'é', '']
  for (const p of parts) b.append(Buffer.from(p))
  assert.is(b.bytes().toString('utf8'), parts.join(''))
  b.clear()
  assert.is(b.bytes().length, 0)
  b.append(Buffer.from('again'))
  assert.is(b.bytes().toString(), 'again')
})

test('from() starts a search where a pattern of that length could begin among the bytes not yet seen', () => {
  const b = new OutputBuffer()
  b.append(Buffer.from('0123456789'))
  assert.is(b.from(4), 0, 'nothing seen yet')
  b.append(Buffer.from('abc'))
  assert.is(b.from(4), 6, 'a 4-byte pattern ending in the new bytes starts at 6 at the earliest')
  assert.is(b.from(100), 0)
})

test.run()
