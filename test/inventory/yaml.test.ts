import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseInventory } from '../../src/inventory/index.ts'
import { isKvmplayError } from '../../src/core/errors.ts'

const LAB = `# Written by \`kvmplay lab up\` for lab 'lab' (198.18.0.0/16). Works with kvmplay and ansible -i alike.
all:
  children:
    hypervisors:
      hosts:
        h1:
          ansible_host: 198.18.1.2
          ansible_user: root
          ansible_ssh_private_key_file: /tmp/kvmplay-lab/id_ed25519
        h2:
          ansible_host: 198.18.2.2
          ansible_user: root
          ansible_ssh_private_key_file: /tmp/kvmplay-lab/id_ed25519
      vars:
        ansible_ssh_common_args: -o UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts -o StrictHostKeyChecking=yes
        ansible_python_interpreter: /usr/bin/python3
`

const inv = (text: string) => parseInventory(text, 'hosts.yaml')
const errorOf = (text: string) => {
  try {
    inv(text)
  } catch (e) {
    assert.ok(isKvmplayError(e, 'inventory'), String(e))
    return (e as Error).message
  }
  throw new Error('expected an inventory error')
}

test("the lab's own inventory: hosts, their vars, the group vars", () => {
  const i = inv(LAB)
  assert.equal([...i.hosts.keys()], ['h1', 'h2'])
  const h2 = i.hosts.get('h2')!
  assert.is(h2.vars.ansible_host, '198.18.2.2')
  assert.match(String(h2.vars.ansible_ssh_common_args), 'UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts')
  assert.equal(h2.groups, ['all', 'hypervisors'])
})

test('vars precedence: all < parent group < child group < host', () => {
  const i = inv(`
all:
  vars: { v: all, a: all }
  children:
    dc:
      vars: { v: dc, d: dc }
      children:
        kvm:
          vars: { v: kvm }
          hosts:
            k1: { v: host }
            k2:
`)
  assert.equal(i.hosts.get('k1')!.vars, { v: 'host', a: 'all', d: 'dc' })
  assert.equal(i.hosts.get('k2')!.vars, { v: 'kvm', a: 'all', d: 'dc' })
  assert.equal(i.hosts.get('k2')!.groups, ['all', 'dc', 'kvm'])
})

test('groups at the same depth merge by name, unless ansible_group_priority says otherwise', () => {
  const text = (prio: string) => `
all:
  children:
    alpha: { vars: { v: alpha${prio} }, hosts: { x: } }
    beta: { vars: { v: beta }, hosts: { x: } }
`
  assert.is(inv(text('')).hosts.get('x')!.vars.v, 'beta')
  assert.is(inv(text(', ansible_group_priority: 10')).hosts.get('x')!.vars.v, 'alpha')
})

test('a host listed in several groups is one host in all of them; grandchildren are in every ancestor', () => {
  const i = inv(`
all:
  children:
    eu: { children: { paris: { hosts: { p1: { ansible_port: 2222 } } } } }
    kvm: { hosts: { p1: { role: kvm } } }
`)
  assert.equal([...i.hosts.keys()], ['p1'])
  assert.equal(i.hosts.get('p1')!.groups, ['all', 'eu', 'kvm', 'paris'])
  assert.equal(i.hosts.get('p1')!.vars, { ansible_port: 2222, role: 'kvm' })
})

test('host ranges expand, keeping zero padding', () => {
  const i = inv(`all:\n  hosts:\n    h[1:3]:\n    web[01:02]:\n    db-[a:b]:\n`)
  assert.equal([...i.hosts.keys()], ['h1', 'h2', 'h3', 'web01', 'web02', 'db-a', 'db-b'])
  assert.equal(i.hosts.get('h1')!.groups, ['all', 'ungrouped'])
})

test('connection variables and ansible_connection: local are kept as vars', () => {
  const i = inv(`all:\n  hosts:\n    ctl: { ansible_connection: local }\n`)
  assert.is(i.hosts.get('ctl')!.vars.ansible_connection, 'local')
})

test('errors name file:line and what is expected', () => {
  assert.match(errorOf('all:\n  children:\n    hypervisors:\n      hosts:\n        - h1\n'), "hosts.yaml:5: 'hosts' of group 'hypervisors' must be a mapping (got a list)")
  assert.match(errorOf('all:\n  hots:\n    h1:\n'), "hosts.yaml:2: unknown key 'hots' in group 'all' (expected hosts, children or vars)")
  assert.match(errorOf('all:\n  hosts:\n    h1: yes\n'), "hosts.yaml:3: the vars of host 'h1' must be a mapping")
  assert.match(errorOf('all:\n  children: [a, b]\n'), "hosts.yaml:2: 'children' of group 'all' must be a mapping (got a list)")
  assert.match(errorOf('all:\n  hosts:\n    h1:\n   bad indent: x\n'), 'hosts.yaml:3: not valid YAML: All mapping items must start at the same column')
  assert.match(errorOf('- h1\n- h2\n'), 'hosts.yaml:1: the inventory must be a mapping of groups')
  assert.match(errorOf(''), 'hosts.yaml:1: the inventory is empty')
  assert.match(errorOf('all:\n  hosts:\n    h1:\n    h1:\n'), 'hosts.yaml:3: not valid YAML: Map keys must be unique')
})

test('a group that is its own ancestor is an error naming the cycle', () => {
  assert.match(errorOf('all:\n  children:\n    a: { children: { b: { children: { a: } } } }\n'), /group 'a' is its own ancestor \(all → a → b → a\)/)
})

test.run()
