import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseInventory, selectHosts } from '../../src/inventory/index.ts'

const inv = parseInventory(
  `
all:
  children:
    kvm:
      hosts: { h1:, h2:, h3:, h10: }
    dc1:
      hosts: { h1:, h2:, web1: }
    web:
      hosts: { web1:, web2: }
`,
  'hosts.yaml',
)
const sel = (p: string) => selectHosts(inv, p)

test('all, *, a group, a host', () => {
  assert.equal(sel('all'), ['h1', 'h2', 'h3', 'h10', 'web1', 'web2'])
  assert.equal(sel('*'), sel('all'))
  assert.equal(sel('web'), ['web1', 'web2'])
  assert.equal(sel('h3'), ['h3'])
})

test('globs over hosts and groups, and ~regex', () => {
  assert.equal(sel('h?'), ['h1', 'h2', 'h3'])
  assert.equal(sel('h[12]'), ['h1', 'h2'])
  assert.equal(sel('we*'), ['web1', 'web2'])
  assert.equal(sel('~h1\\d*'), ['h1', 'h10'])
})

test('union with : or , in inventory order, without duplicates', () => {
  assert.equal(sel('web2:h1:h1'), ['h1', 'web2'])
  assert.equal(sel('web2,h1'), ['h1', 'web2'])
})

test('intersection :& and exclusion :!', () => {
  assert.equal(sel('kvm:&dc1'), ['h1', 'h2'])
  assert.equal(sel('kvm:!h2'), ['h1', 'h3', 'h10'])
  assert.equal(sel('kvm:web:&dc1:!h1'), ['h2', 'web1'])
  assert.equal(sel('all:!kvm'), ['web1', 'web2'])
})

test('nothing matches: an empty list; a bad regex: a usage error', () => {
  assert.equal(sel('nope'), [])
  assert.throws(() => sel('~h[1'), /not a valid regular expression/)
})

test.run()
