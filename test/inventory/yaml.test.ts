import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseInventory } from '../../src/inventory/index.ts'
import { errorMessageOf } from '../helpers/errors.ts'

/** Exactly what `kvmplay lab up` writes (src/lab/inventory.ts). */
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

const inv = (text: string) => parseInventory(text, 'inventory/hosts.yaml')
const errorOf = (text: string) => errorMessageOf('inventory', () => inv(text))

test("the lab's own inventory: two hypervisors with their connection vars and the group's", () => {
  const i = inv(LAB)
  assert.equal([...i.hosts.keys()], ['h1', 'h2'])
  assert.equal(i.hosts.get('h2'), {
    name: 'h2',
    vars: {
      ansible_ssh_common_args: '-o UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts -o StrictHostKeyChecking=yes',
      ansible_python_interpreter: '/usr/bin/python3',
      ansible_host: '198.18.2.2',
      ansible_user: 'root',
      ansible_ssh_private_key_file: '/tmp/kvmplay-lab/id_ed25519',
    },
    groups: ['all', 'hypervisors'],
  })
  const group = i.groups.get('hypervisors')!
  assert.equal([group.hosts, group.parents, group.children], [['h1', 'h2'], ['all'], []])
  assert.equal(i.groups.get('ungrouped')!.hosts, [])
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

test('a deeper group wins over a shallower one whatever the names; depth is the longest path from all', () => {
  const i = inv(`
all:
  children:
    zzz:
      vars: { v: zzz }
      children:
        aaa: { vars: { v: aaa }, hosts: { x: } }
    mid:
      children:
        deep:
          children:
            zzz:
`)
  // zzz is at depth 1 under all but depth 3 under mid/deep, so aaa is at depth 4.
  assert.is(i.hosts.get('x')!.vars.v, 'aaa')
  assert.equal(i.hosts.get('x')!.groups, ['all', 'mid', 'deep', 'zzz', 'aaa'])
})

test('groups at the same depth merge by name (code point order, as Python sorts), unless ansible_group_priority says otherwise', () => {
  const text = (prio: string) => `
all:
  children:
    beta: { vars: { v: beta }, hosts: { x: } }
    alpha: { vars: { v: alpha${prio} }, hosts: { x: } }
    Zulu: { vars: { v: Zulu }, hosts: { x: } }
`
  assert.is(inv(text('')).hosts.get('x')!.vars.v, 'beta')
  assert.equal(inv(text('')).hosts.get('x')!.groups, ['all', 'Zulu', 'alpha', 'beta'])
  const prioritized = inv(text(', ansible_group_priority: 10'))
  assert.is(prioritized.hosts.get('x')!.vars.v, 'alpha')
  assert.is(prioritized.groups.get('alpha')!.priority, 10)
  assert.not.ok('ansible_group_priority' in prioritized.hosts.get('x')!.vars, 'the priority is not a var')
})

test('a host in a grandchild group is in every ancestor group; a group lists only its direct hosts', () => {
  const i = inv(`
all:
  children:
    eu:
      children:
        fr:
          children:
            paris: { hosts: { p1: } }
`)
  assert.equal(i.hosts.get('p1')!.groups, ['all', 'eu', 'fr', 'paris'])
  assert.equal(i.groups.get('eu')!.hosts, [])
  assert.equal(i.groups.get('eu')!.children, ['fr'])
  assert.equal(i.groups.get('paris')!.parents, ['fr'])
})

test('a host listed in several groups is one host, in all of them, with its vars merged (later wins)', () => {
  const i = inv(`
all:
  children:
    kvm: { hosts: { p1: { ansible_port: 2222, role: kvm }, p2: } }
    paris: { hosts: { p1: { role: edge } } }
`)
  assert.equal([...i.hosts.keys()], ['p1', 'p2'])
  assert.equal(i.hosts.get('p1')!.groups, ['all', 'kvm', 'paris'])
  assert.equal(i.hosts.get('p1')!.vars, { ansible_port: 2222, role: 'edge' })
})

test('host ranges expand: numbers (zero padding, step) and letters, each host with the vars', () => {
  const i = inv(`
all:
  hosts:
    h[1:3]: { rack: r1 }
    web[01:02]:
    db-[a:c]:
    n[1:5:2]:
    s[a:b][1:2]:
`)
  assert.equal([...i.hosts.keys()], ['h1', 'h2', 'h3', 'web01', 'web02', 'db-a', 'db-b', 'db-c', 'n1', 'n3', 'n5', 'sa1', 'sa2', 'sb1', 'sb2'])
  assert.equal(i.hosts.get('h2')!.vars, { rack: 'r1' })
})

test("'name:port' sets ansible_port, unless the host sets its own", () => {
  const i = inv(`all:\n  hosts:\n    h1:2222:\n    h2:2222: { ansible_port: 22 }\n    db[1:2]:2200:\n`)
  assert.equal([...i.hosts.keys()], ['h1', 'h2', 'db1', 'db2'])
  assert.is(i.hosts.get('h1')!.vars.ansible_port, 2222)
  assert.is(i.hosts.get('h2')!.vars.ansible_port, 22)
  assert.is(i.hosts.get('db2')!.vars.ansible_port, 2200)
})

test('connection variables are kept as vars, with their YAML types', () => {
  const i = inv(`
all:
  hosts:
    kvm1:
      ansible_host: 203.0.113.21
      ansible_port: 2222
      ansible_user: admin
      ansible_ssh_private_key_file: ~/.ssh/kvm
    ctl:
      ansible_connection: local
`)
  assert.equal(i.hosts.get('kvm1')!.vars, {
    ansible_host: '203.0.113.21',
    ansible_port: 2222,
    ansible_user: 'admin',
    ansible_ssh_private_key_file: '~/.ssh/kvm',
  })
  assert.is(i.hosts.get('ctl')!.vars.ansible_connection, 'local')
})

test('read as YAML 1.1, like Ansible: yes/no are booleans, anchors and merge keys work, dates stay text', () => {
  const i = inv(`
all:
  vars:
    enabled: yes
    since: 2024-01-01
  hosts:
    h1: &base { rack: r1, dc: par1 }
    h2: *base
    h3: { <<: *base, rack: r2 }
`)
  assert.equal(i.hosts.get('h1')!.vars, { enabled: true, since: '2024-01-01', rack: 'r1', dc: 'par1' })
  assert.equal(i.hosts.get('h2')!.vars.rack, 'r1')
  assert.equal(i.hosts.get('h3')!.vars, { enabled: true, since: '2024-01-01', rack: 'r2', dc: 'par1' })
})

test("hosts in no group but all are 'ungrouped'; a host also in a real group is not", () => {
  const i = inv(`
all:
  hosts: { lone: , both: }
  children:
    ungrouped: { hosts: { listed: } }
    kvm: { hosts: { both: , listed: } }
`)
  assert.equal(i.groups.get('ungrouped')!.hosts, ['lone'])
  assert.equal(i.hosts.get('lone')!.groups, ['all', 'ungrouped'])
  assert.equal(i.hosts.get('both')!.groups, ['all', 'kvm'])
  assert.equal(i.hosts.get('listed')!.groups, ['all', 'kvm'])
})

test('a group at the top level, beside all, is a child of all; an empty group is fine', () => {
  const i = inv(`web:\n  hosts:\n    w1:\nempty:\nall:\n  vars: { a: 1 }\n`)
  assert.equal(i.hosts.get('w1')!.groups, ['all', 'web'])
  assert.is(i.hosts.get('w1')!.vars.a, 1)
  assert.equal(i.groups.get('empty')!.parents, ['all'])
})

test('structural errors name file:line, what is wrong and what is expected', () => {
  const web = (hosts: string) => `# hypervisors\nall:\n  vars:\n    a: 1\n  children:\n    web:\n      hosts:${hosts}\n`
  assert.is(errorOf(web('\n        - h1\n        - h2')), "inventory/hosts.yaml:8: 'hosts' of group 'web' must be a mapping of host names (got a list)")
  assert.is(errorOf(web(' h1')), `inventory/hosts.yaml:7: 'hosts' of group 'web' must be a mapping of host names (got the string "h1")`)
  assert.is(errorOf('all:\n  children: [a, b]\n'), "inventory/hosts.yaml:2: 'children' of group 'all' must be a mapping of group names (got a list)")
  assert.is(errorOf('all:\n  vars: x=1\n'), `inventory/hosts.yaml:2: 'vars' of group 'all' must be a mapping of variable names to values (got the string "x=1")`)
  assert.is(
    errorOf('all:\n  hosts:\n    h1: yes\n'),
    "inventory/hosts.yaml:3: the vars of host 'h1' in group 'all' must be a mapping of variable names to values, or empty (got the boolean true)",
  )
  assert.is(errorOf('all:\n  hosts:\n    h1:\n    123:\n'), "inventory/hosts.yaml:4: a host name in group 'all' must be a string (got the number 123; quote it)")
  assert.is(errorOf('all:\n  children:\n    web: h1\n'), `inventory/hosts.yaml:3: group 'web' must be a mapping with hosts, children or vars (got the string "h1")`)
  assert.is(errorOf('all:\n  hots:\n    h1:\n'), "inventory/hosts.yaml:2: unknown key 'hots' in group 'all' (expected hosts, children or vars)")
  assert.is(errorOf('- h1\n- h2\n'), "inventory/hosts.yaml:1: the inventory must be a mapping of group names, such as 'all:' (got a list)")
  assert.is(errorOf('# nothing yet\n'), "inventory/hosts.yaml:1: the inventory is empty; start with 'all:' and its 'hosts' or 'children'")
  assert.is(errorOf('all:\n  children:\n    web:\n      vars: { ansible_group_priority: high }\n'), `inventory/hosts.yaml:4: ansible_group_priority of group 'web' must be an integer (got "high")`)
})

test('bad host ranges are errors at their line', () => {
  assert.is(errorOf('all:\n  hosts:\n    h[3:1]:\n'), "inventory/hosts.yaml:3: host range [3:1] in 'h[3:1]' needs begin <= end")
  assert.is(errorOf('all:\n  hosts:\n    h1:\n    h[1:3:0]:\n'), "inventory/hosts.yaml:4: host range [1:3:0] in 'h[1:3:0]' needs a step of 1 or more")
  assert.match(errorOf('all:\n  hosts:\n    h[01:100]:\n'), "inventory/hosts.yaml:3: host range [01:100] in 'h[01:100]' needs begin and end of the same width")
  assert.match(errorOf('all:\n  hosts:\n    h[1:c]:\n'), 'inventory/hosts.yaml:3: host range [1:c] in \'h[1:c]\' must be numbers, as in [1:3], or single letters')
})

test('YAML syntax errors name file:line', () => {
  assert.is(errorOf('all:\n  hosts:\n    h1:\n   bad indent: x\n'), 'inventory/hosts.yaml:3: not valid YAML: All mapping items must start at the same column')
  assert.is(errorOf('all:\n  hosts:\n    h1:\n    # again\n    h1: { a: 1 }\n'), "inventory/hosts.yaml:5: not valid YAML: 'h1' appears twice in the same mapping")
  assert.is(errorOf('all:\n  hosts: { h1: , h2: , h1: }\n'), "inventory/hosts.yaml:2: not valid YAML: 'h1' appears twice in the same mapping")
  assert.is(errorOf('all:\n  hosts: { h1: \n'), 'inventory/hosts.yaml:2: not valid YAML: Flow map in block collection must be sufficiently indented and end with a }')
  assert.is(errorOf('all:\n  hosts:\n---\nall:\n'), "inventory/hosts.yaml:3: not valid YAML: one YAML document is expected (found a second '---')")
})

test('a host range past the cap is refused at its line', () => {
  assert.match(errorOf('all:\n  children:\n    web:\n      hosts:\n        h[1:9999999]:\n'), "inventory/hosts.yaml:5: host pattern 'h[1:9999999]' would give 9999999 hosts, more than the 100000")
})

test('a group that is its own ancestor is an error naming the cycle, at the line that closes it', () => {
  const message = errorOf('all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n')
  assert.is(message, "inventory/hosts.yaml:7: group 'a' is its own ancestor (a → b → a); a group's children cannot include its ancestors")
})

test('an alias that makes a group its own child, directly or through another, is that error too (no stack overflow)', () => {
  assert.is(errorOf('all:\n  children:\n    a: &A\n      children:\n        a: *A\n'), "inventory/hosts.yaml:5: group 'a' is its own ancestor (a → a); a group's children cannot include its ancestors")
  // b's block is a's, which lists b: b is its own child.
  assert.match(errorOf('all:\n  children:\n    a: &A\n      hosts:\n        h1:\n      children:\n        b: *A\n'), "inventory/hosts.yaml:7: group 'b' is its own ancestor (b → b)")
  // c's block is a's, which lists b, c's parent: closed at b's line as walked from c.
  assert.match(errorOf('all:\n  children:\n    a: &A\n      children:\n        b:\n          children:\n            c: *A\n'), "inventory/hosts.yaml:5: group 'b' is its own ancestor (b → c → b)")
})

test('a block shared by aliases serves every group that uses it, and a chain of doubling aliases is walked once per group', () => {
  const shared = inv('all:\n  children:\n    web: &W\n      hosts: { h1: , h2: }\n      vars: { role: front }\n    db: *W\n')
  assert.equal([...shared.groups.get('db')!.hosts], ['h1', 'h2'])
  assert.equal(shared.hosts.get('h2')!.vars.role, 'front')
  // g30 reaches g0 in 2^30 ways through the aliases: walked once each, it is quick.
  const levels = Array.from({ length: 30 }, (_, i) => `    g${i + 1}: &g${i + 1}\n      children: { g${i}: *g${i}, g${i}b: *g${i} }\n`)
  const start = Date.now()
  const deep = inv(`all:\n  children:\n    g0: &g0\n      hosts: { h1: }\n${levels.join('')}`)
  assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`)
  assert.ok(deep.hosts.get('h1')!.groups.includes('g30'))
})

test("an inventory plugin's configuration (plugin: NAME) is refused as Ansible's yaml plugin refuses it, saying how to get its inventory", () => {
  const message = errorMessageOf('inventory', () => parseInventory('plugin: community.libvirt.libvirt\nuri: qemu:///system\n', 'libvirt.yml'))
  assert.is(message, "libvirt.yml:1: this is an inventory plugin's configuration (plugin: community.libvirt.libvirt), not an inventory; kvmplay runs no inventory plugins: give it the inventory the plugin makes, as a file (ansible-inventory -i libvirt.yml --list --yaml --output hosts.yml) or a script that prints it")
})

test.run()
