import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { hostPlan } from '../../src/lab/addressing.ts'
import { inventoryYaml, knownHostsText, sshConfigText } from '../../src/lab/inventory.ts'
import { bastionPlan, validateJumps } from '../../src/lab/bastion.ts'
import { fileSources, resolveHost } from '../../src/connection/ssh-config/resolve.ts'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
    // A none host's network is kept by no system: the inventory names the one kvmplay writes (ifcfg).
    network_backend: 'ifcfg',
  })
  assert.match(group.vars.ansible_ssh_common_args, '-o UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts -o StrictHostKeyChecking=yes')
})

test("each host's profile is the host var lab_profile", () => {
  const inv = parse(inventoryYaml(lab, hosts, new Map([['h1', 'networkmanager'], ['h2', 'netplan']])))
  const group = inv.all.children.hypervisors
  assert.is(group.hosts.h1.lab_profile, 'networkmanager')
  assert.is(group.hosts.h2.lab_profile, 'netplan')
})

test("known_hosts has each of a host's keys for its address, and for root's own port", () => {
  const text = knownHostsText([{ address: '198.18.1.2', keys: ['ssh-rsa AAAAB3Nza', 'ssh-ed25519 AAAAC3Nza'] }])
  assert.is(
    text,
    '198.18.1.2 ssh-rsa AAAAB3Nza\n198.18.1.2 ssh-ed25519 AAAAC3Nza\n[198.18.1.2]:2222 ssh-rsa AAAAB3Nza\n[198.18.1.2]:2222 ssh-ed25519 AAAAC3Nza\n',
  )
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

test('behind two jump hosts: bastions on /30s of the lab\'s 0.0/24, the ssh_config chains them, the inventory hands ssh that file', () => {
  const bastions = [1, 2].map((i) => bastionPlan(lab, i))
  assert.equal(bastions.map((b) => [b.name, b.address, b.outerAddress, b.outerNs]), [
    ['j1', '198.18.0.2', '198.18.0.1', undefined],
    ['j2', '198.18.0.6', '198.18.0.5', 'kvmplay-lab-j1'],
  ])
  assert.throws(() => validateJumps(3), /invalid --jump 3/)
  const text = sshConfigText(lab, hosts, { logins: ['root'], rootOn22: true, bastions })
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-lab-config-'))
  try {
    const f = join(dir, 'ssh_config')
    writeFileSync(f, text)
    // Read back as ssh reads it: h1 goes through j2, j2 through j1, j1 directly.
    const h1 = resolveHost('h1', { sources: fileSources(f), preset: new Map() })
    assert.equal([h1.hostname, h1.proxyJump.map((j) => j.host)], ['198.18.1.2', ['j2']])
    assert.equal(resolveHost('j2', { sources: fileSources(f), preset: new Map() }).proxyJump.map((j) => j.host), ['j1'])
    assert.equal(resolveHost('j1', { sources: fileSources(f), preset: new Map() }).proxyJump, [])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const inv = parse(inventoryYaml(lab, hosts, new Map(), { logins: ['root'], rootOn22: true, bastions })).all.children.hypervisors
  assert.is(inv.hosts.h1.ansible_host, undefined)
  assert.is(inv.vars.ansible_ssh_common_args, '-F /tmp/kvmplay-lab/ssh_config')
})

test.run()
