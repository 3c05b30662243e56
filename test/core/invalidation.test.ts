/** Facts are dropped after a change — only those the change can have made stale, when the step says which. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { FactCache } from '../../src/facts/cache.ts'
import type { Fact } from '../../src/facts/fact.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection } from '../../src/connection/types.ts'

const counter = (name: string): Fact<string, void> => ({ describe: () => name, key: () => name, command: () => `echo ${name}`, parse: (r) => r.stdout.trim() })

test('clear(prefixes) drops only matching facts; clear() drops all', async () => {
  let execs = 0
  const local = connectLocal({ kind: 'local', host: 'l', commandTimeoutMs: 5000 })
  const conn: Connection = { ...local, exec: (c, o) => (execs++, local.exec(c, o)) }
  const cache = new FactCache(async () => conn)
  const libvirt = counter('libvirt')
  const file = counter('file:/etc/x')
  await cache.gather([{ fact: libvirt, args: undefined }, { fact: file, args: undefined }] as never)
  assert.is(execs, 1)
  cache.clear(['file:'])
  await cache.get(libvirt, undefined)
  assert.is(execs, 1, 'libvirt still cached')
  await cache.get(file, undefined)
  assert.is(execs, 2, 'file read again')
  cache.clear()
  await cache.get(libvirt, undefined)
  assert.is(execs, 3)
})

test.run()
