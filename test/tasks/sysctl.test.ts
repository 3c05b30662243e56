import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { setSysctlLine, persistedSysctl, sysctl } from '../../tasks/sysctl.ts'

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

test.run()
