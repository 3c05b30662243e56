/**
 * RawInventory and buildInventory, driven directly (both formats parse into
 * them): what the YAML and INI tests do not reach through a file — the
 * priority's own parsing, vars that no two hosts share, a priority that
 * never beats depth, and the errors' file:line.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { RawInventory, buildInventory } from '../../src/inventory/build.ts'
import { errorMessageOf } from '../helpers/errors.ts'

const raw = () => new RawInventory('inventory/hosts')

test("a new inventory has 'all'; building adds 'ungrouped' under it, and hangs every parentless group there", () => {
  const r = raw()
  r.addHost('web', 'w1', {})
  const inv = buildInventory(r)
  assert.equal([...inv.groups.keys()], ['all', 'web', 'ungrouped'])
  assert.equal(inv.groups.get('all')!.children, ['web', 'ungrouped'])
  assert.equal(inv.groups.get('ungrouped')!.hosts, [])
  assert.is(inv.source, 'inventory/hosts')
})

test('ansible_group_priority: an integer, or text of one (as INI gives it), negative too; never a var', () => {
  const r = raw()
  r.setGroupVar('a', 'ansible_group_priority', ' -3 ', 2)
  r.setGroupVar('b', 'ansible_group_priority', 7, 3)
  assert.is(r.group('a').priority, -3)
  assert.is(r.group('b').priority, 7)
  assert.equal(r.group('a').vars, {})
  assert.is(r.group('c').priority, 1, 'the default')
})

test('ansible_group_priority that is no integer is an inventory error at its line', () => {
  for (const value of [1.5, '2.0', 'high', true]) {
    const message = errorMessageOf('inventory', () => raw().setGroupVar('web', 'ansible_group_priority', value, 9))
    assert.is(message, `inventory/hosts:9: ansible_group_priority of group 'web' must be an integer (got ${JSON.stringify(value)})`)
  }
})

test('a priority orders groups of one depth only: a deeper group wins over a shallower one of any priority', () => {
  const r = raw()
  r.setGroupVar('site', 'v', 'site', 1)
  r.setGroupVar('site', 'ansible_group_priority', 100, 1)
  r.addChild('site', 'rack', 2)
  r.setGroupVar('rack', 'v', 'rack', 3)
  r.addHost('rack', 'h1', {})
  r.addHost('site', 'h1', {})
  const h1 = buildInventory(r).hosts.get('h1')!
  assert.is(h1.vars.v, 'rack')
  assert.equal(h1.groups, ['all', 'site', 'rack'])
})

test('no two hosts, nor a host and its group, share a var object: changing one changes no other', () => {
  const r = raw()
  r.setGroupVar('kvm', 'dns', ['192.0.2.53'], 1)
  r.addHost('kvm', 'h1', { tags: { rack: 'r1' } })
  r.addHost('kvm', 'h2', {})
  const inv = buildInventory(r)
  ;(inv.hosts.get('h1')!.vars.dns as string[]).push('192.0.2.54')
  assert.equal(inv.hosts.get('h2')!.vars.dns, ['192.0.2.53'])
  assert.equal(inv.groups.get('kvm')!.vars.dns, ['192.0.2.53'])
  assert.is.not(inv.hosts.get('h1')!.vars.tags, r.hostVars.get('h1')!.tags)
})

test('hosts keep the order they first appeared in, whichever group listed them again', () => {
  const r = raw()
  r.addHost('b', 'h2', {})
  r.addHost('a', 'h1', {})
  r.addHost('a', 'h2', { late: true })
  const inv = buildInventory(r)
  assert.equal([...inv.hosts.keys()], ['h2', 'h1'])
  assert.equal(inv.groups.get('a')!.hosts, ['h1', 'h2'])
  assert.equal(inv.hosts.get('h2')!.vars, { late: true })
})

test("a link listed twice is one link, and a cycle is reported at the line of the first link that closes it", () => {
  const r = raw()
  r.addChild('a', 'b', 4)
  r.addChild('a', 'b', 5)
  assert.equal(r.group('a').children, ['b'])
  assert.equal(r.group('b').parents, ['a'])
  r.addChild('b', 'a', 8)
  r.addChild('b', 'a', 12)
  assert.is(
    errorMessageOf('inventory', () => buildInventory(r)),
    "inventory/hosts:8: group 'a' is its own ancestor (a → b → a); a group's children cannot include its ancestors",
  )
})

test('an inventory at the cap (100 000 hosts) is built in linear time: well under the 25 s it once took', () => {
  const r = raw()
  const names = Array.from({ length: 100_000 }, (_, i) => `h${i}`)
  const refuse = (what: string): never => {
    throw new Error(what)
  }
  const start = Date.now()
  r.addHosts('web', names, {}, refuse)
  r.addHosts('db', names.slice(0, 10), {}, refuse)
  r.addHost('ungrouped', 'h1', {})
  r.addHost('ungrouped', 'loner', {})
  const inv = buildInventory(r)
  assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`)
  assert.is(inv.hosts.size, 100_001)
  assert.equal(inv.groups.get('ungrouped')!.hosts, ['loner'])
  assert.equal(inv.hosts.get('h5')!.groups, ['all', 'db', 'web'])
  assert.throws(() => r.addHosts('web', ['one-more', 'and-another'], {}, refuse), /holds 100003 hosts, more than the 100000/)
})

test('fail: an inventory error at source:line', () => {
  assert.is(errorMessageOf('inventory', () => raw().fail(3, 'something is wrong')), 'inventory/hosts:3: something is wrong')
})

test.run()
