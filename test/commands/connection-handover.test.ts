import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectionHandover } from '../../src/commands/connection-handover.ts'
import type { Connection } from '../../src/connection/types.ts'
import type { Target } from '../../src/connection/target.ts'

const fake = (name: string, closed: string[]) => ({ name, close: async () => void closed.push(name) }) as unknown as Connection & { name: string }

test('the first connect of a kept target gets the kept connection, later ones new ones; what is not taken is closed', async () => {
  const closed: string[] = []
  let opened = 0
  const h = connectionHandover(async () => fake(`new${++opened}`, closed))
  const t1 = { kind: 'local' } as Target
  const t2 = { kind: 'local' } as Target
  h.keep(t1, Promise.resolve(fake('kept1', closed)))
  h.keep(t2, Promise.resolve(fake('kept2', closed)))
  assert.is(((await h.connect(t1)) as unknown as { name: string }).name, 'kept1')
  assert.is(((await h.connect(t1)) as unknown as { name: string }).name, 'new1')
  await h.closeRest()
  assert.equal(closed, ['kept2'])
  assert.is(((await h.connect(t2)) as unknown as { name: string }).name, 'new2')
})

test.run()
