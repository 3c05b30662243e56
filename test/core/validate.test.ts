import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as v from '../../src/core/validate.ts'
import { isKvmplayError } from '../../src/core/errors.ts'

const rejects = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: Error) => isKvmplayError(e, 'validation') && re.test(e.message))

test('interface names: Linux rules, 15 characters at most, no shell or path characters', () => {
  for (const ok of ['br0', 'eth0', 'eno16777736', 'virbr0-nic', 'bond0.100']) assert.is(v.interfaceName(ok), ok)
  for (const bad of ['', 'a'.repeat(16), 'br 0', 'br0;reboot', 'eth/0', '..', "br'0", 'br0\n']) rejects(() => v.interfaceName(bad), /invalid interface name/)
})

test('IPv4 addresses: dotted quads only, no leading zeros', () => {
  assert.is(v.ipv4('192.168.122.1'), '192.168.122.1')
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', '$(id)', 'fe80::1']) rejects(() => v.ipv4(bad), /invalid IPv4 address/)
})

test('IPv6 addresses, and either family: compressed or not; zones, shell and garbage refused', () => {
  for (const good of ['2001:db8::1', '::', 'fe80::6b:76ff:fe12:7', '::ffff:192.0.2.1']) assert.is(v.ipv6(good), good)
  for (const bad of ['fe80::1%eth0', '2001:db8::1$(reboot)', '1:2:3:4:5:6:7:8:9', '192.0.2.1', '']) rejects(() => v.ipv6(bad), /invalid IPv6 address/)
  assert.is(v.ipAddress('192.0.2.1'), '192.0.2.1')
  assert.is(v.ipAddress('2001:db8::1'), '2001:db8::1')
  for (const bad of ['1.1.1.1$(reboot)', '2001:db8::1;reboot', 'localhost', 42]) rejects(() => v.ipAddress(bad, 'name server'), /invalid name server .*: expected an IPv4 or IPv6 address/)
})

test('prefixes and netmasks convert both ways; non-contiguous masks are refused', () => {
  assert.is(v.netmaskToPrefix('255.255.255.0'), 24)
  assert.is(v.netmaskToPrefix('255.255.254.0'), 23)
  assert.is(v.netmaskToPrefix('0.0.0.0'), 0)
  assert.is(v.prefixToNetmask(24), '255.255.255.0')
  assert.is(v.prefixToNetmask(0), '0.0.0.0')
  assert.is(v.prefixToNetmask(32), '255.255.255.255')
  rejects(() => v.netmaskToPrefix('255.0.255.0'), /contiguous/)
  rejects(() => v.prefixLength(33), /0 to 32/)
  assert.is(v.prefixLength('24'), 24)
})

test('MACs are normalised to lower case with colons', () => {
  assert.is(v.mac('00:0C:29:09:0D:3D'), '00:0c:29:09:0d:3d')
  assert.is(v.mac('52-54-00-84-e9-e1'), '52:54:00:84:e9:e1')
  for (const bad of ['52:54:00:84:e9', '52:54:00:84:e9:zz', "52:54:00:84:e9:e1'/>"]) rejects(() => v.mac(bad), /invalid MAC address/)
})

test('paths, sysctl keys, modes and owners', () => {
  assert.is(v.absolutePath('/etc/sysctl.conf'), '/etc/sysctl.conf')
  rejects(() => v.absolutePath('etc/x'), /absolute path/)
  rejects(() => v.absolutePath('/etc/../x'), /absolute path/)
  assert.is(v.sysctlKey('net/ipv4/ip_forward'), 'net.ipv4.ip_forward')
  rejects(() => v.sysctlKey('net.ipv4.ip_forward=1'), /sysctl key/)
  assert.is(v.fileMode(0o644), '0644')
  assert.is(v.fileMode('600'), '0600')
  rejects(() => v.fileMode('0999'), /octal mode/)
  rejects(() => v.owner('root;id'), /user or group/)
})

test('libvirt names', () => {
  assert.is(v.libvirtName('default'), 'default')
  rejects(() => v.libvirtName("br0'/><x"), /invalid name/)
})

test.run()
