/** The example inventories shipped in inventory/ parse, and both formats say the same. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { loadInventory, selectHosts } from '../../src/inventory/index.ts'

const path = (f: string) => fileURLToPath(new URL(`../../inventory/${f}`, import.meta.url))

test('inventory/example.yaml and example.ini describe the same hypervisors', () => {
  const yaml = loadInventory(path('example.yaml'))
  const ini = loadInventory(path('example.ini'))
  const hv = ['kvm01.par1.example.net', 'kvm02.par1.example.net', 'kvm03.par1.example.net', 'kvm01.ber1.example.net']
  assert.equal(selectHosts(yaml, 'hypervisors'), hv)
  assert.equal(selectHosts(ini, 'hypervisors'), hv)
  assert.is(yaml.hosts.get('kvm01.ber1.example.net')!.vars.ansible_port, 2222)
  assert.is(ini.hosts.get('kvm01.ber1.example.net')!.vars.ansible_port, 2222)
  assert.is(yaml.hosts.get('kvm02.par1.example.net')!.vars.uplink, 'eno1')
})

test.run()
