import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { targetFromVars, parseSshArgs } from '../../src/connection/target.ts'

test("the lab's inventory vars give a strict ssh target with its known_hosts", () => {
  const t = targetFromVars('h1', {
    ansible_host: '198.18.1.2',
    ansible_user: 'root',
    ansible_ssh_private_key_file: '/tmp/kvmplay-lab/id_ed25519',
    ansible_ssh_common_args: '-o UserKnownHostsFile=/tmp/kvmplay-lab/known_hosts -o StrictHostKeyChecking=yes',
  })
  assert.equal(t, {
    kind: 'ssh',
    host: 'h1',
    address: '198.18.1.2',
    port: 22,
    user: 'root',
    privateKeyPath: '/tmp/kvmplay-lab/id_ed25519',
    password: undefined,
    knownHostsFiles: ['/tmp/kvmplay-lab/known_hosts'],
    acceptNewHostKeys: false,
    connectTimeoutMs: 10_000,
    commandTimeoutMs: 600_000,
  })
})

test('--known-hosts replaces the inventory file; --accept-new-host-keys turns on TOFU', () => {
  const t = targetFromVars('h1', { ansible_ssh_common_args: '-o UserKnownHostsFile=/a' }, { knownHostsFile: '/b', acceptNewHostKeys: true })
  assert.ok(t.kind === 'ssh' && t.knownHostsFiles[0] === '/b' && t.acceptNewHostKeys)
})

test('ansible_connection: local and unsupported connections', () => {
  assert.is(targetFromVars('ctl', { ansible_connection: 'local' }).kind, 'local')
  assert.throws(() => targetFromVars('w', { ansible_connection: 'winrm' }), /not supported/)
})

test('ports, ssh arg forms', () => {
  const t = targetFromVars('h', { ansible_port: '2222', ansible_ssh_extra_args: '-oConnectTimeout=3' })
  assert.ok(t.kind === 'ssh' && t.port === 2222 && t.connectTimeoutMs === 3000)
  assert.throws(() => targetFromVars('h', { ansible_port: 70000 }), /not a TCP port/)
  assert.equal(parseSshArgs('-o "UserKnownHostsFile=/x y" -i ~/.ssh/k -p 22').options, { userknownhostsfile: '/x y' })
})

test.run()
