import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseInventory, detectFormat } from '../../src/inventory/index.ts'

const INI = `
# hypervisors of site par1
ctl ansible_connection=local

[hypervisors]
h[1:2] ansible_user=root
h3 ansible_host=198.18.3.2 ansible_port=2222 note="two words"

[hypervisors:vars]
bridge=br0
ansible_ssh_common_args='-o StrictHostKeyChecking=yes'

[site:children]
hypervisors

[site:vars]
bridge=br9
dc=par1
`

test('INI: groups, inline host vars, group vars, children, ungrouped hosts, ranges', () => {
  const i = parseInventory(INI, 'hosts')
  assert.equal([...i.hosts.keys()], ['ctl', 'h1', 'h2', 'h3'])
  assert.equal(i.hosts.get('h3')!.vars, {
    dc: 'par1',
    bridge: 'br0',
    ansible_ssh_common_args: '-o StrictHostKeyChecking=yes',
    ansible_host: '198.18.3.2',
    ansible_port: 2222,
    note: 'two words',
  })
  assert.equal(i.hosts.get('h1')!.groups, ['all', 'site', 'hypervisors'])
  assert.equal(i.hosts.get('ctl')!.groups, ['all', 'ungrouped'])
})

test('INI errors name file:line', () => {
  assert.throws(() => parseInventory('[web\nh1\n', 'hosts.ini'), /hosts\.ini:1: bad section header/)
  assert.throws(() => parseInventory('[web:vars]\njustaword\n', 'hosts.ini'), /hosts\.ini:2: expected key=value/)
  assert.throws(() => parseInventory('[web]\nh1 novalue\n', 'hosts.ini'), /hosts\.ini:2: expected key=value after host 'h1'/)
})

test('the format is told by extension, else by content', () => {
  assert.is(detectFormat('x', 'a.yaml'), 'yaml')
  assert.is(detectFormat('all:\n  hosts:\n', 'hosts'), 'yaml')
  assert.is(detectFormat('[web]\nh1\n', 'hosts'), 'ini')
  assert.is(detectFormat('h1 ansible_host=x\n', 'hosts'), 'ini')
})

test.run()
