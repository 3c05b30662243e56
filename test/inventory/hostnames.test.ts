/**
 * Host entries as both inventory formats write them, beyond what the YAML and
 * INI tests show through whole files: addresses with colons, a port after a
 * range, open-ended and lettered ranges, and each malformed range's message
 * (given to the caller's `fail`, which adds file and line).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseHostEntry, expandHostRange } from '../../src/inventory/hostnames.ts'

const fail = (what: string): never => {
  throw new Error(what)
}
const entry = (text: string) => parseHostEntry(text, fail)
const failure = (text: string) => {
  try {
    entry(text)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`expected ${text} to fail`)
}

test('a bare IPv6 address keeps its colons: no port is read from it', () => {
  assert.equal(entry('fe80::1'), { names: ['fe80::1'] })
  assert.equal(entry('2001:db8::22'), { names: ['2001:db8::22'] })
})

test('name:port and address:port give the port; a port after a range applies to every host of it', () => {
  assert.equal(entry('10.0.0.1:2222'), { names: ['10.0.0.1'], port: 2222 })
  assert.equal(entry('kvm[1:2]:2200'), { names: ['kvm1', 'kvm2'], port: 2200 })
  assert.equal(entry('plain'), { names: ['plain'] })
})

test('a port must be a TCP port', () => {
  assert.is(failure('h1:0'), "port 0 of host 'h1' is not a TCP port (1–65535)")
  assert.is(failure('h1:65536'), "port 65536 of host 'h1' is not a TCP port (1–65535)")
})

test('numbers: an empty begin is 0; no leading zero, no padding; a step', () => {
  assert.equal(expandHostRange('n[:2]', fail), ['n0', 'n1', 'n2'])
  assert.equal(expandHostRange('h[8:10]', fail), ['h8', 'h9', 'h10'])
  assert.equal(expandHostRange('h[08:10]', fail), ['h08', 'h09', 'h10'])
  assert.equal(expandHostRange('h[0:9:4]', fail), ['h0', 'h4', 'h8'])
  assert.equal(expandHostRange('h[3:3]', fail), ['h3'])
})

test('letters run a–z then A–Z, as in Ansible, with a step too', () => {
  assert.equal(expandHostRange('x[y:B]', fail), ['xy', 'xz', 'xA', 'xB'])
  assert.equal(expandHostRange('x[a:e:2]', fail), ['xa', 'xc', 'xe'])
  assert.is(failure('x[Z:a]'), "host range [Z:a] in 'x[Z:a]' needs begin <= end")
})

test('brackets without a colon are part of the name, not a range', () => {
  assert.equal(entry('odd[x]'), { names: ['odd[x]'] })
})

test('malformed ranges say what is expected', () => {
  assert.is(failure('h[1:2:3:4]'), "host range [1:2:3:4] in 'h[1:2:3:4]' must be [begin:end] or [begin:end:step]")
  assert.is(failure('h[1:]'), "host range [1:] in 'h[1:]' needs an end, as in [1:3]")
  assert.is(failure('h[1:3:x]'), "host range [1:3:x] in 'h[1:3:x]' needs a step of 1 or more")
  assert.is(failure('h[001:10]'), "host range [001:10] in 'h[001:10]' needs begin and end of the same width, as in [001:999]")
  assert.is(failure('h[a:3]'), "host range [a:3] in 'h[a:3]' must be numbers, as in [1:3], or single letters, as in [a:c]")
  assert.is(failure('h[aa:bb]'), "host range [aa:bb] in 'h[aa:bb]' must be numbers, as in [1:3], or single letters, as in [a:c]")
})

test('an entry that would give more than 100000 hosts is refused before any name is made, saying the pattern, the count and the cap', () => {
  const start = Date.now()
  assert.is(failure('h[1:9999999]'), "host pattern 'h[1:9999999]' would give 9999999 hosts, more than the 100000 kvmplay expands from one entry (Ansible has no cap, but a range this wide is most likely a typo); fix the range")
  assert.match(failure('r[1:1000]-[1:1000]:2222'), "host pattern 'r[1:1000]-[1:1000]' would give 1000000 hosts")
  assert.match(failure('h[0:99999999999999999999:3]'), 'would give 33333333333333330000 hosts')
  assert.ok(Date.now() - start < 500, `took ${Date.now() - start} ms`)
  assert.is(entry('h[1:50000]-[a:b]').names.length, 100000)
  assert.match(failure('h[1:50001]-[a:b]'), 'would give 100002 hosts')
  // A malformed range is sized as 1, and reported as malformed.
  assert.is(failure('h[1:9999999]-[b:a]'), "host pattern 'h[1:9999999]-[b:a]' would give 9999999 hosts, more than the 100000 kvmplay expands from one entry (Ansible has no cap, but a range this wide is most likely a typo); fix the range")
  assert.is(failure('h[1:3]-[b:a]'), "host range [b:a] in 'h1-[b:a]' needs begin <= end")
})

test('a malformed second range is reported with the name as expanded so far', () => {
  assert.is(failure('r[1:2]-[b:a]'), "host range [b:a] in 'r1-[b:a]' needs begin <= end")
})

test.run()
