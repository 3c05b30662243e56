/**
 * HostKeyAlgorithms and HostKeyAlias from ssh_config, against `ssh -G`:
 * plain lists and patterns expand as ssh expands them (less what kvmplay
 * cannot verify), `+ - ^` work on kvmplay's default as ssh's work on its
 * own, what ssh refuses is refused with file:line, and HostKeyAlias is
 * lower-cased as ssh does.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_HOST_KEY_ALGORITHMS, SUPPORTED_HOST_KEY_ALGORITHMS } from '../../../src/connection/host-key-algorithms.ts'
import { fileSources, resolveHost } from '../../../src/connection/ssh-config/resolve.ts'
import { tempDirs } from '../../helpers/temp.ts'

const temp = tempDirs('host-key-algorithms')
test.after(temp.removeAll)

/** resolveHost for h1 with `lines` in its Host block. */
function resolved(lines: string) {
  const file = join(temp.make(), 'config')
  writeFileSync(file, `Host h1\n${lines}\n`)
  return resolveHost('h1', { sources: fileSources(file), preset: new Map() })
}
const ours = (value: string) => resolved(`  HostKeyAlgorithms ${value}`).hostKeyAlgorithms

/** What `ssh -G` makes of the value, or undefined when ssh refuses it. */
function ssh(option: string): string[] | undefined {
  const r = spawnSync('ssh', ['-G', '-F', '/dev/null', '-o', option, 'h1'], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  const key = option.split('=')[0].toLowerCase()
  return r.stdout.split('\n').find((l) => l.startsWith(`${key} `))!.slice(key.length + 1).split(',')
}
const theirs = (value: string) => ssh(`HostKeyAlgorithms=${value}`)!.filter((a) => SUPPORTED_HOST_KEY_ALGORITHMS.includes(a))

test('a list of names and patterns: what ssh -G gives, less certificates and security keys, and taken as given', () => {
  for (const value of ['ecdsa-sha2-nistp384,ssh-ed25519', 'ssh-ed25519*,ssh-rsa', 'rsa-sha2-*,ecdsa-sha2-nistp384', '*', ',ssh-ed25519,,ssh-dss', 'ssh-ed25519-cert-v01@openssh.com,ssh-ed25519']) {
    assert.equal(ours(value).list, theirs(value), value)
    assert.is(ours(value).preferKnown, false, value)
  }
})

test('+ appends to, - removes from and ^ puts before kvmplay default; known_hosts orders + and - only', () => {
  const d = DEFAULT_HOST_KEY_ALGORITHMS
  assert.equal(ours('+ssh-dss'), { list: [...d, 'ssh-dss'], preferKnown: true })
  assert.equal(ours('-ecdsa*'), { list: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'], preferKnown: true })
  assert.equal(ours('^ecdsa-sha2-nistp384,ssh-rsa'), { list: ['ecdsa-sha2-nistp384', 'ssh-rsa', ...d.filter((a) => a !== 'ecdsa-sha2-nistp384' && a !== 'ssh-rsa')], preferKnown: false })
  assert.equal(ours('-no-such-thing').list, [...d], 'a - list is not checked: it only removes')
  // ssh's own default lacks ssh-rsa (SHA-1), kvmplay's (ssh2's) has it: apart from it, the same as ssh -G.
  const sha2 = (l: string[]) => l.filter((a) => a !== 'ssh-rsa')
  for (const value of ['+ssh-dss', '-ecdsa*', '^ecdsa-sha2-nistp384,ssh-dss', '-ssh-ed25519,rsa-sha2-256']) assert.equal(sha2(ours(value).list), sha2(theirs(value)), value)
  assert.equal(resolved('  User x').hostKeyAlgorithms, { list: [...d], preferKnown: true })
})

test('what ssh refuses is refused with file:line; a list kvmplay can verify nothing of, too', () => {
  for (const [value, why] of [
    ['foo', /unknown algorithm 'foo'/],
    ['+foo*', /unknown algorithm 'foo\*'/],
    ['SSH-ED25519', /unknown algorithm 'SSH-ED25519'/],
    ['^ssh-ed25519,nope', /unknown algorithm 'nope'/],
    ['ssh-ed25519,!ssh-rsa', /'!ssh-rsa': negation is not allowed/],
    ['ssh-ed25519 ssh-rsa', /one comma-separated list/],
  ] as const) {
    assert.is(ssh(`HostKeyAlgorithms=${value}`), undefined, `ssh refuses ${value} too`)
    assert.throws(() => ours(value), (e: Error) => /config:2: HostKeyAlgorithms /.test(e.message) && why.test(e.message), value)
  }
  assert.throws(() => ours('ssh-ed25519-cert-v01@openssh.com'), /config:2: .*leaves no algorithm kvmplay can verify \(it checks plain host keys: ssh-ed25519, /)
})

test('HostKeyAlias: as ssh -G has it, lower case and nothing expanded', () => {
  assert.equal([resolved('  HostKeyAlias HV1.Example%h').hostKeyAlias], ssh('HostKeyAlias=HV1.Example%h'))
  assert.is(resolved('  User x').hostKeyAlias, undefined)
})

test('the lists are ssh2 1.17\'s own (lib/protocol/constants.js)', async () => {
  const { createRequire } = await import('node:module')
  const constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js')
  assert.equal(DEFAULT_HOST_KEY_ALGORITHMS, constants.DEFAULT_SERVER_HOST_KEY)
  assert.equal(SUPPORTED_HOST_KEY_ALGORITHMS, constants.SUPPORTED_SERVER_HOST_KEY)
})

test.run()
