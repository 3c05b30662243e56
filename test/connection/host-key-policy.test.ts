/** The host-key policy: known keys pass, unknown ones are refused (or trusted on first use when asked), changed and revoked ones always refused. */
import { test } from 'uvu'
import { sshTarget } from '../helpers/ssh-target.ts'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hostKeyPolicy } from '../../src/connection/host-key-policy.ts'
import type { SshTarget } from '../../src/connection/target.ts'
import type { KvmplayError } from '../../src/core/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-hostkey-'))
/** A fresh ed25519 public key: its known_hosts text and its wire-format blob. */
function key(name: string): { line: string; blob: Buffer } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)])
  const [type, b64] = readFileSync(join(dir, `${name}.pub`), 'utf8').split(' ')
  return { line: `${type} ${b64}`, blob: Buffer.from(b64, 'base64') }
}
const mine = key('mine')
const other = key('other')

function check(knownHosts: string, blob: Buffer, o: Partial<SshTarget> = {}) {
  const file = join(dir, `known_hosts-${Math.random().toString(36).slice(2)}`)
  writeFileSync(file, knownHosts)
  const refusals: KvmplayError[] = []
  const t = sshTarget({ address: '198.18.1.2', port: 2222, knownHostsFiles: [file], ...o })
  const ok = hostKeyPolicy(t, (e) => refusals.push(e)).verify(blob)
  return { ok, refusal: refusals[0], file: readFileSync(file, 'utf8'), path: file }
}

test('a known key passes; an unknown one is refused with the ssh-keyscan line, and nothing is written', () => {
  assert.ok(check(`[198.18.1.2]:2222 ${mine.line}\n`, mine.blob).ok)
  const r = check('', mine.blob)
  assert.not.ok(r.ok)
  assert.is(r.refusal.kind, 'hostkey')
  assert.match(r.refusal.message, `ssh-keyscan -p 2222 198.18.1.2 >> ${r.path}`)
  assert.is(r.file, '')
})

test('accept-new records an unknown key as ssh would, but a changed key is refused all the same', () => {
  const r = check('', mine.blob, { acceptNewHostKeys: true })
  assert.ok(r.ok)
  assert.is(r.file, `[198.18.1.2]:2222 ${mine.line.trim()}\n`)
  const changed = check(`[198.18.1.2]:2222 ${other.line}\n`, mine.blob, { acceptNewHostKeys: true })
  assert.not.ok(changed.ok)
  assert.match(changed.refusal.message, 'HAS CHANGED')
  assert.match(changed.refusal.message, `ssh-keygen -R [198.18.1.2]:2222 -f ${changed.path}`)
})

test('a revoked key is refused even when it is also listed as known', () => {
  const r = check(`@revoked * ${mine.line}\n[198.18.1.2]:2222 ${mine.line}\n`, mine.blob)
  assert.not.ok(r.ok)
  assert.match(r.refusal.message, '@revoked')
})

test('the algorithms offered put those of the known key types first, unless HostKeyAlgorithms was given with ^ or as a list', () => {
  const file = join(dir, 'known_hosts-order')
  writeFileSync(file, `[198.18.1.2]:2222 ecdsa-sha2-nistp521 AAAA\n198.18.1.2 ssh-rsa AAAA\n`)
  const policy = (o: Partial<SshTarget> = {}) => hostKeyPolicy(sshTarget({ address: '198.18.1.2', port: 2222, knownHostsFiles: [file], ...o }), () => {}).algorithms
  assert.equal(policy().slice(0, 2), ['ecdsa-sha2-nistp521', 'ssh-ed25519'])
  assert.equal(policy({ port: 22 }).slice(0, 4), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519'])
  assert.equal(policy({ hostKeyAlgorithms: { list: ['ssh-ed25519', 'ecdsa-sha2-nistp521'], preferKnown: false } }), ['ssh-ed25519', 'ecdsa-sha2-nistp521'])
  // The name looked up is the alias: nothing is known under it.
  assert.equal(policy({ hostKeyAlias: 'hv1' })[0], 'ssh-ed25519')
})

test('a host covered only by @cert-authority is refused even with accept-new, saying kvmplay checks plain keys and what to add', () => {
  const r = check(`@cert-authority *.example.test ${other.line}\n`, mine.blob, { address: 'hv1.example.test', port: 22, acceptNewHostKeys: true })
  assert.not.ok(r.ok)
  assert.is(r.file, `@cert-authority *.example.test ${other.line}\n`)
  assert.match(r.refusal.message, `only by the @cert-authority line at ${r.path}:1`)
  assert.match(r.refusal.message, 'kvmplay checks plain host keys only')
  assert.match(r.refusal.message, `ssh-keyscan hv1.example.test >> ${r.path}`)
})

test('HostKeyAlias: the key is looked up and recorded under the alias, and the ssh-keyscan line renames to it', () => {
  assert.ok(check(`hv1 ${mine.line}\n`, mine.blob, { hostKeyAlias: 'hv1' }).ok)
  assert.is(check('', mine.blob, { hostKeyAlias: 'hv1', acceptNewHostKeys: true }).file, `hv1 ${mine.line.trim()}\n`)
  const r = check(`[198.18.1.2]:2222 ${mine.line}\n`, mine.blob, { hostKeyAlias: 'hv1' })
  assert.match(r.refusal.message, `host key of hv1 (ssh-ed25519) is not in`)
  assert.match(r.refusal.message, `ssh-keyscan -p 2222 198.18.1.2 | sed 's/^[^ ]*/hv1/' >> ${r.path}`)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
