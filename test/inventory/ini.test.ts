import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { detectFormat, loadInventory, parseInventory } from '../../src/inventory/index.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('inventory')

const INI = `
# hypervisors of site par1
ctl ansible_connection=local

[hypervisors]
h[1:2] ansible_user=root
h3 ansible_host=198.18.3.2 ansible_port=2222 note="two words"   # the odd one

[hypervisors:vars]
bridge=br0
ansible_ssh_common_args='-o StrictHostKeyChecking=yes'

[site:children]
hypervisors

[site:vars]
bridge=br9
dc=par1
`

const inv = (text: string) => parseInventory(text, 'inventory/hosts', 'ini')
const errorOf = (text: string) => errorMessageOf('inventory', () => inv(text))

test('groups, inline host vars, group vars, children; hosts before any section are ungrouped', () => {
  const i = inv(INI)
  assert.equal([...i.hosts.keys()], ['ctl', 'h1', 'h2', 'h3'])
  assert.equal(i.hosts.get('h3')!.vars, {
    dc: 'par1',
    bridge: 'br0',
    ansible_ssh_common_args: '-o StrictHostKeyChecking=yes',
    ansible_host: '198.18.3.2',
    ansible_port: 2222,
    note: 'two words',
  })
  assert.equal(i.hosts.get('h1')!.vars, { dc: 'par1', bridge: 'br0', ansible_ssh_common_args: '-o StrictHostKeyChecking=yes', ansible_user: 'root' })
  assert.equal(i.hosts.get('h1')!.groups, ['all', 'site', 'hypervisors'])
  assert.equal(i.hosts.get('ctl')!.groups, ['all', 'ungrouped'])
  assert.equal(i.hosts.get('ctl')!.vars, { ansible_connection: 'local' })
})

test('vars precedence: [all:vars] < parent group < child group < host', () => {
  const i = inv(`
[all:vars]
v=all
a=all
[dc:children]
kvm
[dc:vars]
v=dc
d=dc
[kvm]
k1 v=host
k2
[kvm:vars]
v=kvm
`)
  assert.equal(i.hosts.get('k1')!.vars, { v: 'host', a: 'all', d: 'dc' })
  assert.equal(i.hosts.get('k2')!.vars, { v: 'kvm', a: 'all', d: 'dc' })
  assert.equal(i.hosts.get('k2')!.groups, ['all', 'dc', 'kvm'])
})

test('groups at the same depth merge by name, unless ansible_group_priority says otherwise', () => {
  const text = (prio: string) => `[beta]\nx\n[alpha]\nx\n[alpha:vars]\nv=alpha\n${prio}\n[beta:vars]\nv=beta\n`
  assert.is(inv(text('')).hosts.get('x')!.vars.v, 'beta')
  assert.is(inv(text('ansible_group_priority=10')).hosts.get('x')!.vars.v, 'alpha')
  assert.equal(inv(text('ansible_group_priority=10')).groups.get('alpha')!.vars, { v: 'alpha' })
})

test('nested children: a host in a grandchild group is in every ancestor group', () => {
  const i = inv('[eu:children]\nfr\n[fr:children]\nparis\n[paris]\np1\n[kvm]\np1 role=kvm\n')
  assert.equal(i.hosts.get('p1')!.groups, ['all', 'eu', 'kvm', 'fr', 'paris'])
  assert.equal([...i.hosts.keys()], ['p1'])
  assert.equal(i.hosts.get('p1')!.vars, { role: 'kvm' })
})

test('host ranges expand, numbers and letters; name:port sets ansible_port', () => {
  const i = inv('[web]\nh[1:3]\nweb[08:10] rack=r1\ndb-[a:c]:2200\nbastion:2222 ansible_port=22\n')
  assert.equal([...i.hosts.keys()], ['h1', 'h2', 'h3', 'web08', 'web09', 'web10', 'db-a', 'db-b', 'db-c', 'bastion'])
  assert.is(i.hosts.get('web10')!.vars.rack, 'r1')
  assert.is(i.hosts.get('db-b')!.vars.ansible_port, 2200)
  assert.is(i.hosts.get('bastion')!.vars.ansible_port, 22)
})

test('values read as Ansible reads them: Python literals become numbers, booleans, None; the rest is text', () => {
  const i = inv(`
[kvm]
h1 n=3 f=1.5 t=True no=False none=None mode=0644 yes=true s='quoted' eq=a=b big=123456789012345678901 path=/a\\ b
[kvm:vars]
quoted="42"
number=42
spaced = two words  # not a comment here, as in Ansible
`)
  assert.equal(i.hosts.get('h1')!.vars, {
    quoted: '42',
    number: 42,
    spaced: 'two words  # not a comment here, as in Ansible',
    n: 3,
    f: 1.5,
    t: true,
    no: false,
    none: null,
    mode: '0644',
    yes: 'true',
    s: 'quoted',
    eq: 'a=b',
    big: '123456789012345678901',
    path: '/a b',
  })
})

test('comments: # and ; lines, # after a host or a section header', () => {
  const i = inv('; site par1\n# hosts\n[web]   # front ends\nw1 # the first\n  ; indented comment\nw2\n')
  assert.equal(i.groups.get('web')!.hosts, ['w1', 'w2'])
  assert.equal(i.hosts.get('w1')!.vars, {})
})

test('errors name file:line, what is wrong and what is expected', () => {
  assert.is(errorOf('[web\nh1\n'), "inventory/hosts:1: bad section header '[web' (expected [group], [group:vars] or [group:children])")
  assert.is(errorOf('[web]\nh1\n[web:child]\n'), "inventory/hosts:3: unknown section type ':child' in '[web:child]' (expected [group], [group:vars] or [group:children])")
  assert.is(errorOf('[web]\nh1\n[web:vars]\njustaword\n'), "inventory/hosts:4: expected key=value in [web:vars], got 'justaword'")
  assert.is(errorOf('[web]\nh1 novalue\n'), "inventory/hosts:2: expected key=value after host 'h1', got 'novalue'")
  assert.is(errorOf('[web]\nh1 note="two words\n'), `inventory/hosts:2: unterminated " quote in 'h1 note="two words'`)
  assert.is(errorOf('[web]\nansible_user=root\n'), "inventory/hosts:2: expected a host name first, got 'ansible_user=root'")
  assert.is(errorOf('[web]\n[site:children]\nweb db\n'), "inventory/hosts:3: expected one group name per line in [site:children], got 'web db'")
  assert.is(errorOf('[web]\nh[3:1]\n'), "inventory/hosts:2: host range [3:1] in 'h[3:1]' needs begin <= end")
  assert.is(errorOf('[web]\nh1:70000\n'), "inventory/hosts:2: port 70000 of host 'h1' is not a TCP port (1–65535)")
  assert.is(errorOf('[web]\nh1\n[web:vars]\nansible_group_priority=high\n'), `inventory/hosts:4: ansible_group_priority of group 'web' must be an integer (got "high")`)
})

test('as in Ansible, [g:vars] and [x:children] may only name a group some section defines (typos are caught)', () => {
  assert.is(
    errorOf('[hypervisors]\nh1\n\n[hypervisor:vars]\nbridge=br0\n'),
    "inventory/hosts:4: [hypervisor:vars] is for group 'hypervisor', but no [hypervisor] or [hypervisor:children] section defines it; add the section (it may be empty) or fix the name",
  )
  assert.match(errorOf('[site:children]\nhypervisor\n[hypervisors]\nh1\n'), "inventory/hosts:2: [site:children] lists group 'hypervisor', but no [hypervisor] or")
  // Defined later in the file, or as [x:children], or an empty section: all fine.
  const i = inv('[site:children]\nkvm\nedge\n[site:vars]\na=1\n[kvm:children]\npar1\n[par1]\nh1\n[edge]\n[all:vars]\nb=2\n')
  assert.equal(i.hosts.get('h1')!.groups, ['all', 'site', 'kvm', 'par1'])
  assert.equal(i.hosts.get('h1')!.vars, { b: 2, a: 1 })
})

test('a host range past the cap is refused at its line, and so is an inventory that grows past it', () => {
  assert.match(errorOf('[web]\nh[1:9999999]\n'), "inventory/hosts:2: host pattern 'h[1:9999999]' would give 9999999 hosts, more than the 100000")
  assert.is(errorOf('[a]\nh[1:60000]\n[b]\ng[1:60000] x=1\n'), 'inventory/hosts:4: with this entry the inventory holds 120000 hosts, more than the 100000 kvmplay reads from one inventory')
})

test('a group that is its own ancestor is an error naming the cycle, at the line that closes it', () => {
  assert.is(
    errorOf('[a:children]\nb\n[b:children]\nc\n[c:children]\na\n'),
    "inventory/hosts:6: group 'a' is its own ancestor (a → b → c → a); a group's children cannot include its ancestors",
  )
  assert.match(errorOf('[web]\nh1\n[web:children]\nall\n'), "inventory/hosts:4: group 'all' is its own ancestor (all → web → all)")
})

test('the format is told by extension, else by content', () => {
  assert.is(detectFormat('x', 'a.yaml'), 'yaml')
  assert.is(detectFormat('{}', 'a.json'), 'yaml')
  assert.is(detectFormat('all:\n  hosts:\n    h1:\n', 'hosts'), 'yaml')
  assert.is(detectFormat('# fleet\nweb:\n  children: { par1: }\n', 'hosts'), 'yaml')
  assert.is(detectFormat('all:\n  hosts:\n    h1:\n   bad: indent\n', 'hosts'), 'yaml', 'broken YAML still gets YAML errors')
  assert.is(detectFormat('[web]\nh1\n', 'hosts'), 'ini')
  assert.is(detectFormat('h1 ansible_host=x\n', 'hosts'), 'ini')
  assert.is(detectFormat('h1:2222\nh2\n', 'hosts'), 'ini')
  assert.is(parseInventory('[web]\nh1\n', 'hosts').hosts.get('h1')!.groups.join(), 'all,web')
})

test('loadInventory: a missing file, an empty directory or a script without its x bit is an inventory error naming it and what to do', () => {
  const dir = temp.make()
  const messageOf = (path: string) => errorMessageOf('inventory', () => loadInventory(path))
  assert.is(messageOf(join(dir, 'nope.yaml')), `inventory ${join(dir, 'nope.yaml')} does not exist; pass -i with an existing inventory: a file (Ansible YAML or INI), a script or a directory of them, or a list of hosts such as 'h1,h2,'`)
  assert.match(messageOf(dir), `inventory directory ${dir} holds no inventory source`)
  writeFileSync(join(dir, 'hosts'), '[web]\nw1\n')
  assert.equal([...loadInventory(join(dir, 'hosts')).hosts.keys()], ['w1'])
  writeFileSync(join(dir, 'inventory.py'), '#!/usr/bin/env python3\nimport json\n')
  assert.is(messageOf(join(dir, 'inventory.py')), `${join(dir, 'inventory.py')} starts with #! as an inventory script does, but is not executable; make it so (chmod +x ${join(dir, 'inventory.py')}) to have it run with --list`)
  writeFileSync(join(dir, 'hosts'), '[web]\nw1 x\n')
  assert.is(messageOf(join(dir, 'hosts')), `${join(dir, 'hosts')}:2: expected key=value after host 'w1', got 'x'`)
})

test.after(temp.removeAll)
test.run()
