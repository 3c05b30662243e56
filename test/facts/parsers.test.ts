/** Fact parsers against canned output of the real commands. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fileFact } from '../../src/facts/file.ts'
import { sysctlFact } from '../../src/facts/sysctl.ts'
import { pathExistsFact } from '../../src/facts/probe.ts'

const ok = (stdout: string, code = 0, stderr = '') => ({ code, stdout, stderr })

test('file: a regular file with its mode, owner, group, size and content', () => {
  const content = 'net.ipv4.ip_forward = 1\n'
  const res = ok(`regular file|644|root|root|${content.length}\n${Buffer.from(content).toString('base64')}`)
  assert.equal(fileFact.parse(res, '/etc/sysctl.conf'), {
    exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content,
  })
})

test('file: empty files, absent files, directories', () => {
  assert.is(fileFact.parse(ok('regular empty file|600|root|root|0\n'), '/x').content, '')
  assert.equal(fileFact.parse(ok('absent\n'), '/x'), { exists: false })
  const dir = fileFact.parse(ok('directory|755|root|root|4096\n'), '/etc')
  assert.is(dir.type, 'directory')
  assert.is(dir.content, undefined)
})

test('file: setuid modes keep four digits; non-UTF-8-safe content round-trips through base64', () => {
  const content = 'ünï\tcode\n'
  const f = fileFact.parse(ok(`regular file|4755|root|root|1\n${Buffer.from(content).toString('base64')}`), '/x')
  assert.is(f.mode, '4755')
  assert.is(f.content, content)
})

test('file: base64 wrapped at 76 columns, as base64 prints it, reads back whole', () => {
  const content = 'DEVICE=br0\nTYPE=Bridge\n'.repeat(20)
  const wrapped = Buffer.from(content).toString('base64').replace(/(.{76})/g, '$1\n')
  assert.ok(wrapped.split('\n').length > 5)
  assert.is(fileFact.parse(ok(`regular file|644|root|root|${content.length}\n${wrapped}\n`), '/x').content, content)
})

test('file: a failing stat is a fact error naming the path', () => {
  assert.throws(() => fileFact.parse(ok('', 1, 'stat: Permission denied'), '/root/x'), /cannot read \/root\/x.*Permission denied/)
  assert.throws(() => fileFact.parse(ok('garbage\n'), '/x'), /unexpected stat output/)
})

test('file: the command quotes the path', () => {
  assert.match(fileFact.command("/tmp/it's here"), `'/tmp/it'\\''s here'`)
})

test('sysctl: values are normalised; a missing parameter is undefined', () => {
  assert.is(sysctlFact.parse(ok('1\n'), 'net.ipv4.ip_forward'), '1')
  assert.is(sysctlFact.parse(ok('32768\t60999\n'), 'net.ipv4.ip_local_port_range'), '32768 60999')
  assert.is(sysctlFact.parse(ok('absent\n', 3), 'net.bridge.bridge-nf-call-iptables'), undefined)
  assert.match(sysctlFact.command('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward')
})

test('path exists: by exit status', () => {
  assert.is(pathExistsFact.parse(ok('', 0), '/x'), true)
  assert.is(pathExistsFact.parse(ok('', 1), '/x'), false)
})

test.run()
