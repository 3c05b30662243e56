import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { setSysctlLine, persistedSysctl, sysctl } from '../../tasks/sysctl.ts'
import type { FileState } from '../../src/facts/file.ts'
import { cannedHost } from '../helpers/host.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

test('appends the setting to a file that lacks it, keeping everything else', () => {
  assert.is(setSysctlLine('# local settings\nvm.swappiness = 10\n', 'net.ipv4.ip_forward', '1'), '# local settings\nvm.swappiness = 10\nnet.ipv4.ip_forward = 1\n')
  assert.is(setSysctlLine('', 'net.ipv4.ip_forward', '1'), 'net.ipv4.ip_forward = 1\n')
  assert.is(setSysctlLine('vm.swappiness=10', 'net.ipv4.ip_forward', '1'), 'vm.swappiness=10\nnet.ipv4.ip_forward = 1\n')
})

test("rewrites the seed's net.ipv4.ip_forward=0 in place, whatever its spacing or slashes", () => {
  assert.is(setSysctlLine('a = 1\nnet.ipv4.ip_forward=0\nb = 2\n', 'net.ipv4.ip_forward', '1'), 'a = 1\nnet.ipv4.ip_forward = 1\nb = 2\n')
  assert.is(setSysctlLine('  net/ipv4/ip_forward  =  0\n', 'net.ipv4.ip_forward', '1'), 'net.ipv4.ip_forward = 1\n')
})

test('a commented-out setting is not a setting', () => {
  assert.is(persistedSysctl('#net.ipv4.ip_forward=1\n', 'net.ipv4.ip_forward'), undefined)
  assert.is(setSysctlLine('#net.ipv4.ip_forward=1\n', 'net.ipv4.ip_forward', '1'), '#net.ipv4.ip_forward=1\nnet.ipv4.ip_forward = 1\n')
})

test('the last assignment wins, as sysctl reads it; keys do not match by prefix', () => {
  assert.is(persistedSysctl('net.ipv4.ip_forward=1\nnet.ipv4.ip_forward = 0\n', 'net.ipv4.ip_forward'), '0')
  assert.is(persistedSysctl('net.ipv4.ip_forward_update_priority = 1\n', 'net.ipv4.ip_forward'), undefined)
})

test('bad keys and values are refused when the playbook is built', () => {
  assert.throws(() => sysctl({ key: 'net.ipv4.ip_forward; reboot', value: 1 }), /invalid sysctl key/)
  assert.throws(() => sysctl({ key: 'kernel.x', value: '1\nkernel.y = 2' }), /invalid sysctl value/)
  assert.throws(() => sysctl({ key: 'kernel.x', value: 1, file: 'sysctl.conf' }), /absolute path/)
})

// net.bridge.* exists only once br_netfilter is loaded: a host that cannot load it now
// (the lab's kernel loads no modules) still gets the file systemd-sysctl applies at boot.
test("a missing key fails by default; with ifMissing 'persist' only the file is written, and a second plan is a no-op that says why", async () => {
  const key = 'net.bridge.bridge-nf-call-iptables'
  const file = '/etc/sysctl.d/90-kvmplay-bridge.conf'
  const host = (files: Record<string, string>) =>
    cannedHost({ sysctl: () => undefined, file: (p: string): FileState => (p in files ? { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', content: files[p] } : { exists: false }) })
  assert.match(await rejectionMessageOf('validation', sysctl({ key, value: 0, file }).plan(host({}))), 'does not exist')
  const plan = await sysctl({ key, value: 0, file, ifMissing: 'persist' }).plan(host({}))
  assert.equal(plan.steps.map((s) => s.summary.split(' (')[0]), [`create ${file}`])
  assert.match(plan.reason!, 'not set now')
  const again = await sysctl({ key, value: 0, file, ifMissing: 'persist' }).plan(host({ [file]: `${key} = 0\n` }))
  assert.is(again.steps.length, 0)
  assert.match(again.reason!, 'for the next boot')
})

test.run()
