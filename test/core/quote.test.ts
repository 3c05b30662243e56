import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { quote, sh } from '../../src/core/quote.ts'

/** What /bin/sh (dash on Debian) makes of a quoted word: the proof that quoting is right. */
const echoed = (word: string) => spawnSync('/bin/sh', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' }).stdout

const NASTY = [
  "it's",
  'a "double" quote',
  'new\nline',
  '$HOME and ${PATH}',
  '`id` and $(id)',
  'back\\slash',
  '; rm -rf / #',
  '*?[a]~',
  "'",
  "''",
  '',
  ' leading and trailing ',
  'tab\there',
  '!bang',
  'ünïcödé',
]

test('every nasty value survives /bin/sh literally', () => {
  for (const value of NASTY) assert.is(echoed(quote(value)), value, JSON.stringify(value))
})

test('plain words stay readable, unquoted', () => {
  assert.is(quote('net.ipv4.ip_forward'), 'net.ipv4.ip_forward')
  assert.is(quote('/etc/sysconfig/network-scripts/ifcfg-br0'), '/etc/sysconfig/network-scripts/ifcfg-br0')
  assert.is(quote(42), '42')
})

test('the empty string is an argument, not nothing', () => {
  assert.is(quote(''), "''")
})

test('sh`` quotes every interpolation and spreads arrays as words', () => {
  const cmd = sh`printf '%s|' ${'a b'} ${['$x', "it's"]}`
  assert.is(spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' }).stdout, "a b|$x|it's|")
})

test('a NUL byte is refused: no shell can carry it', () => {
  assert.throws(() => quote('a\0b'), /NUL/)
})

test.run()
