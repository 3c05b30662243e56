import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseInventory, selectHosts } from '../../src/inventory/index.ts'
import { errorMessageOf } from '../helpers/errors.ts'

const inv = parseInventory(
  `
all:
  hosts:
    ctl.example.net:
  children:
    kvm:
      hosts: { h1:, h2:, h3:, h10: }
    dc1:
      hosts: { h1:, h2:, web1: }
    web:
      hosts: { web1:, web2: }
    eu:
      children:
        paris: { hosts: { p1: } }
`,
  'hosts.yaml',
)
const sel = (p: string) => selectHosts(inv, p)

test('all and * are every host, in inventory order', () => {
  assert.equal(sel('all'), ['ctl.example.net', 'h1', 'h2', 'h3', 'h10', 'web1', 'web2', 'p1'])
  assert.equal(sel('*'), sel('all'))
})

test('a group (descendant groups included), a host, ungrouped', () => {
  assert.equal(sel('web'), ['web1', 'web2'])
  assert.equal(sel('eu'), ['p1'])
  assert.equal(sel('h3'), ['h3'])
  assert.equal(sel('ctl.example.net'), ['ctl.example.net'])
  assert.equal(sel('ungrouped'), ['ctl.example.net'])
})

test('fnmatch globs over host and group names', () => {
  assert.equal(sel('h?'), ['h1', 'h2', 'h3'])
  assert.equal(sel('h[12]'), ['h1', 'h2'])
  assert.equal(sel('h[!12]'), ['h3'])
  assert.equal(sel('we*'), ['web1', 'web2'])
  assert.equal(sel('pa*'), ['p1'], 'the glob matches group paris')
  assert.equal(sel('*.example.net'), ['ctl.example.net'])
  assert.equal(sel('h[1'), [], "a '[' with no ']' is literal")
})

test('~regex matches from the start of a name, as Python re.match does', () => {
  assert.equal(sel('~h1\\d*'), ['h1', 'h10'])
  assert.equal(sel('~1'), [])
  assert.equal(sel('~(web|h)2'), ['h2', 'web2'])
  assert.equal(sel('~.*\\.net$'), ['ctl.example.net'])
})

test('union with : or , in inventory order, without duplicates', () => {
  assert.equal(sel('web2:h1:h1'), ['h1', 'web2'])
  assert.equal(sel('web2,h1'), ['h1', 'web2'])
  assert.equal(sel('web2, h1 ,'), ['h1', 'web2'])
  assert.equal(sel('web:dc1'), ['h1', 'h2', 'web1', 'web2'])
})

test('intersection :& and exclusion :!, applied after every union term, whatever their place', () => {
  assert.equal(sel('kvm:&dc1'), ['h1', 'h2'])
  assert.equal(sel('kvm:!h2'), ['h1', 'h3', 'h10'])
  assert.equal(sel('kvm:web:&dc1:!h1'), ['h2', 'web1'])
  assert.equal(sel('!h1:kvm:&dc1'), ['h2'], 'as Ansible orders them: unions, then &, then !')
  assert.equal(sel('all:!kvm:!web'), ['ctl.example.net', 'p1'])
  assert.equal(sel('kvm:!~h1'), ['h2', 'h3'])
  assert.equal(sel('kvm,!h2'), ['h1', 'h3', 'h10'])
})

test('a pattern of only exclusions or intersections starts from all hosts', () => {
  assert.equal(sel('!kvm:!web'), ['ctl.example.net', 'p1'])
  assert.equal(sel('&dc1'), ['h1', 'h2', 'web1'])
})

test('nothing matches: an empty list', () => {
  assert.equal(sel('nope'), [])
  assert.equal(sel('kvm:&web'), [])
  assert.equal(sel(''), [])
})

test("a bad regex, or a lone '!' / '&', is a usage error saying so", () => {
  const usage = (p: string) => errorMessageOf('usage', () => sel(p))
  assert.match(usage('~h[1'), "host pattern '~h[1' is not a valid regular expression: ")
  assert.match(usage('web:!'), "host pattern 'web:!' has '!' with nothing after it")
})

test.run()
