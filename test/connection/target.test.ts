import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { targetFromVars, parseSshArgs } from '../../src/connection/target.ts'
import { DEFAULT_HOST_KEY_ALGORITHMS } from '../../src/connection/host-key-algorithms.ts'

// The machine's own ~/.ssh/config must not leak into these tests: an empty -F file stands for it.
const dir = mkdtempSync(join(tmpdir(), 'kvmplay-target-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))
const EMPTY = join(dir, 'empty_config')
writeFileSync(EMPTY, '')
const sshConfig = (text: string) => {
  const f = join(dir, `config-${Math.random().toString(36).slice(2)}`)
  writeFileSync(f, text)
  return f
}

test("the lab's inventory vars give a strict ssh target with its known_hosts", () => {
  const t = targetFromVars('h1', {
    ansible_host: '198.18.1.2',
    ansible_user: 'root',
    ansible_ssh_private_key_file: '/tmp/kvmplay-lab/id_ed25519',
    ansible_ssh_common_args: `-F ${EMPTY} -o UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts -o StrictHostKeyChecking=yes`,
  })
  assert.equal(t, {
    kind: 'ssh',
    host: 'h1',
    address: '198.18.1.2',
    port: 22,
    user: 'root',
    identityFiles: ['/tmp/kvmplay-lab/id_ed25519'],
    identitiesOnly: false,
    agent: process.env.SSH_AUTH_SOCK || undefined,
    password: undefined,
    knownHostsFiles: ['/tmp/kvmplay-lab/known_hosts', '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    acceptNewHostKeys: false,
    hostKeyAlias: undefined,
    hostKeyAlgorithms: { list: [...DEFAULT_HOST_KEY_ALGORITHMS], preferKnown: true },
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 5_000,
    keepaliveCountMax: 3,
    commandTimeoutMs: 600_000,
    jumps: [],
  })
})

test('HostKeyAlias and HostKeyAlgorithms reach the host (from the ssh args) and its jump host (from its own block)', () => {
  const file = sshConfig('Host j1\n  HostName 198.18.0.21\n  HostKeyAlias bastion\n  HostKeyAlgorithms ecdsa-sha2-nistp256\n')
  const t = targetFromVars('h1', { ansible_host: '198.18.1.2', ansible_ssh_common_args: `-F ${file} -J j1 -o HostKeyAlias=HV1 -o HostKeyAlgorithms=+ssh-dss` })
  assert.ok(t.kind === 'ssh')
  assert.equal([t.hostKeyAlias, t.hostKeyAlgorithms?.list.at(-1), t.hostKeyAlgorithms?.preferKnown], ['hv1', 'ssh-dss', true])
  assert.equal([t.jumps[0].hostKeyAlias, t.jumps[0].hostKeyAlgorithms], ['bastion', { list: ['ecdsa-sha2-nistp256'], preferKnown: false }])
})

test('an ssh_config alone says how to reach a host behind a chain of jump hosts, each hop with its own user, port, keys and known_hosts', () => {
  const file = sshConfig(`Host h*
  HostName 198.18.%h.2
  User admin
  IdentityFile /keys/fleet
  ProxyJump j2
  ServerAliveInterval 7
Host j2
  HostName 198.18.0.22
  Port 2202
  ProxyJump ops@j1
  IdentityFile /keys/j2
  UserKnownHostsFile /kh/j2
Host j1
  HostName 198.18.0.21
  User nobody
  UserKnownHostsFile /kh/j1
  StrictHostKeyChecking accept-new
`)
  const t = targetFromVars('h7', { ansible_ssh_common_args: `-F ${file}` })
  assert.ok(t.kind === 'ssh')
  assert.equal([t.address, t.port, t.user, t.identityFiles, t.keepaliveIntervalMs], ['198.18.h7.2', 22, 'admin', ['/keys/fleet'], 7000])
  assert.equal(
    t.jumps.map((j) => [j.host, j.user, j.address, j.port, j.identityFiles, j.knownHostsFiles[0], j.acceptNewHostKeys]),
    [
      ['jump host j1', 'ops', '198.18.0.21', 22, [], '/kh/j1', true],
      ['jump host j2', userInfo().username, '198.18.0.22', 2202, ['/keys/j2'], '/kh/j2', false],
    ],
  )
})

test('inventory vars win over ssh_config as in Ansible; ansible_host is the name looked up; ProxyJump none and -J', () => {
  const file = sshConfig('Host 198.18.1.2\n  User fromconfig\n  Port 2200\n  ProxyJump j1\nHost j1\n  HostName 198.18.0.21\n')
  const t = targetFromVars('h1', { ansible_host: '198.18.1.2', ansible_user: 'root', ansible_ssh_common_args: `-F ${file}` })
  assert.ok(t.kind === 'ssh' && t.user === 'root' && t.port === 2200 && t.jumps.length === 1)
  const direct = targetFromVars('h1', { ansible_host: '198.18.1.2', ansible_port: 22, ansible_ssh_common_args: `-F ${file} -o ProxyJump=none` })
  assert.ok(direct.kind === 'ssh' && direct.port === 22 && direct.jumps.length === 0)
  const viaJ = targetFromVars('h2', { ansible_ssh_common_args: `-F ${file} -J root@198.18.0.30:2222` })
  assert.ok(viaJ.kind === 'ssh' && viaJ.jumps[0].address === '198.18.0.30' && viaJ.jumps[0].port === 2222 && viaJ.jumps[0].user === 'root')
})

test("kvmplay's -F serves hosts whose ssh args name no file; an unknown jump host and a jump loop are errors naming the ProxyJump line", () => {
  const file = sshConfig('Host h1\n  HostName 198.18.1.2\n  ProxyJump bastoin\nHost loop\n  HostName 198.18.0.9\n  ProxyJump loop\n')
  assert.throws(() => targetFromVars('h1', {}, { sshConfigFile: file }), new RegExp(`host h1: jump host 'bastoin' \\(ProxyJump at ${file}:3\\) is not known`))
  assert.throws(() => targetFromVars('loop', {}, { sshConfigFile: file }), /jump host loop via loop|more than 8 jump hosts/)
})

test('--known-hosts replaces the inventory file; --accept-new-host-keys turns on TOFU', () => {
  const t = targetFromVars('h1', { ansible_ssh_common_args: '-o UserKnownHostsFile=/a' }, { knownHostsFile: '/b', acceptNewHostKeys: true, sshConfigFile: EMPTY })
  assert.ok(t.kind === 'ssh' && t.knownHostsFiles[0] === '/b' && t.acceptNewHostKeys)
})

test('ansible_connection: local and unsupported connections', () => {
  assert.is(targetFromVars('ctl', { ansible_connection: 'local' }).kind, 'local')
  assert.throws(() => targetFromVars('w', { ansible_connection: 'winrm' }), /not supported/)
})

test('ports, ssh arg forms', () => {
  const t = targetFromVars('h', { ansible_port: '2222', ansible_ssh_extra_args: '-oConnectTimeout=3' }, { sshConfigFile: EMPTY })
  assert.ok(t.kind === 'ssh' && t.port === 2222 && t.connectTimeoutMs === 3000)
  assert.throws(() => targetFromVars('h', { ansible_port: 70000 }), /not a TCP port/)
  assert.equal(parseSshArgs('-o "UserKnownHostsFile=/x y" -i ~/.ssh/k -p 22').options, { userknownhostsfile: '/x y' })
})

test.run()
