import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { hostPlan } from '../../src/lab/addressing.ts'
import { inventoryYaml, knownHostsText, sshConfigText } from '../../src/lab/inventory.ts'

const lab = { name: 'lab', net: '198.18', dir: '/tmp/kvmplay-lab' } as const
const hosts = [1, 2].map((i) => hostPlan(lab, i))

test('the inventory is Ansible YAML: group hypervisors, ansible_host/user/key per host', () => {
  const inv = parse(inventoryYaml(lab, hosts))
  const group = inv.all.children.hypervisors
  assert.equal(Object.keys(group.hosts), ['h1', 'h2'])
  assert.equal(group.hosts.h2, {
    ansible_host: '198.18.2.2',
    ansible_user: 'root',
    ansible_ssh_private_key_file: '/tmp/kvmplay-lab/id_ed25519',
    lab_profile: 'none',
  })
  assert.match(group.vars.ansible_ssh_common_args, '-o UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts -o StrictHostKeyChecking=yes')
})

test("each host's profile is the host var lab_profile", () => {
  const inv = parse(inventoryYaml(lab, hosts, new Map([['h1', 'networkmanager'], ['h2', 'netplan']])))
  const group = inv.all.children.hypervisors
  assert.is(group.hosts.h1.lab_profile, 'networkmanager')
  assert.is(group.hosts.h2.lab_profile, 'netplan')
})

test("known_hosts has each host's key for its address, and for root's own port", () => {
  const text = knownHostsText([{ address: '198.18.1.2', key: 'ssh-ed25519 AAAAC3Nza' }])
  assert.is(text, '198.18.1.2 ssh-ed25519 AAAAC3Nza\n[198.18.1.2]:2222 ssh-ed25519 AAAAC3Nza\n')
})

test('--login: the inventory logs in as the login user and becomes root; the ssh_config keeps root on its own port', () => {
  const inv = parse(inventoryYaml(lab, hosts, undefined, { logins: ['sudo', 'doas'], rootOn22: false }))
  const h = inv.all.children.hypervisors.hosts
  assert.equal([h.h1.ansible_user, h.h1.ansible_become, h.h1.ansible_become_method], ['kvsudo', true, 'sudo'])
  assert.equal([h.h2.ansible_user, h.h2.ansible_become_method], ['kvdoas', 'doas'])
  assert.not.ok('ansible_become_password' in h.h1, 'the password is not in the inventory')
  assert.match(sshConfigText(lab, hosts, { logins: ['sudo'], rootOn22: false }), /Host h1\n  HostName 198.18.1.2\n  Port 2222\n  User root\n/)
  assert.not.match(sshConfigText(lab, hosts), /Port/)
})

test('ssh_config keeps host-key checking strict', () => {
  const text = sshConfigText(lab, hosts)
  assert.match(text, 'Host h1\n  HostName 198.18.1.2\n')
  assert.match(text, 'StrictHostKeyChecking yes')
  assert.not.match(text, /StrictHostKeyChecking no/)
})

test.run()
