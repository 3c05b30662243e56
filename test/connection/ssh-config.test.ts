/**
 * ssh_config resolution against OpenSSH's own: for each config and host,
 * what `ssh -G -F FILE [-o …] HOST` prints (no network needed) is what
 * resolveHost gives — hostname, user, port, identity files, IdentitiesOnly,
 * IdentityAgent, ProxyJump, known_hosts files, StrictHostKeyChecking,
 * ConnectTimeout, ServerAlive*. Then what ssh -G cannot show (IdentityFile's
 * expansion, parsed jump chains) and the errors, each naming file:line.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { evaluateSshConfig } from '../../src/connection/ssh-config/evaluate.ts'
import type { Setting } from '../../src/connection/ssh-config/evaluate.ts'
import { fileSources, parseJumpSpec, resolveHost } from '../../src/connection/ssh-config/resolve.ts'
import { parseSshConfig } from '../../src/connection/ssh-config/file.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-ssh-config-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const configFile = (text: string) => {
  const f = join(dir, `config${++n}`)
  writeFileSync(f, text)
  return f
}

/** `ssh -G`'s answer: keyword (lower case) → values, in order. */
function sshG(file: string, host: string, opts: string[] = []): Map<string, string[]> {
  const out = execFileSync('ssh', ['-G', '-F', file, ...opts.flatMap((o) => ['-o', o]), host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const m = new Map<string, string[]>()
  for (const line of out.split('\n')) {
    const [k, ...rest] = line.split(' ')
    if (!k) continue
    m.set(k.toLowerCase(), [...(m.get(k.toLowerCase()) ?? []), rest.join(' ')])
  }
  return m
}

const preset = (opts: string[]) =>
  new Map<string, Setting>(
    opts.map((o) => {
      const [k, v] = o.split('=')
      return [k.toLowerCase(), { args: v.split(' '), value: v }]
    }),
  )

const STRICT = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }

/** resolveHost, printed as ssh -G prints the same keywords. */
function asSshG(file: string, host: string, opts: string[]): Record<string, string[] | undefined> {
  const r = resolveHost(host, { sources: fileSources(file), preset: preset(opts) })
  const raw = evaluateSshConfig(host, fileSources(file), preset(opts), userInfo().username).settings
  return {
    hostname: [r.hostname],
    user: [r.user],
    port: [String(r.port)],
    identityfile: raw.get('identityfile')?.args,
    identitiesonly: [r.identitiesOnly ? 'yes' : 'no'],
    identityagent: raw.get('identityagent') ? [r.identityAgent ?? 'none'] : undefined,
    proxyjump: r.proxyJump.length ? [r.proxyJumpSetting!.value] : undefined,
    userknownhostsfile: [r.userKnownHostsFiles.join(' ')],
    stricthostkeychecking: [STRICT[r.strictHostKeyChecking]],
    connecttimeout: [r.connectTimeout === undefined ? 'none' : String(r.connectTimeout)],
    serveraliveinterval: [String(r.serverAliveInterval)],
    serveralivecountmax: [String(r.serverAliveCountMax)],
  }
}

function sameAsSsh(file: string, host: string, opts: string[] = []) {
  const ours = asSshG(file, host, opts)
  const theirs = sshG(file, host, opts)
  for (const [k, v] of Object.entries(ours)) {
    // ssh -G lists its default identity files when none is set; ours come from the same list (existing ones only).
    if (k === 'identityfile' && v === undefined) continue
    assert.equal(v, theirs.get(k), `${host} ${opts.join(' ')}: ${k}`)
  }
}

const include = join(dir, 'conf.d')
mkdirSync(include)
writeFileSync(join(include, '10-jump.conf'), 'Host j2\n  HostName 198.18.0.22\n  User hop\n  Port 2022\n')
writeFileSync(join(include, '20-match.conf'), 'Match originalhost inc*\n  User included\n')

const MAIN = configFile(`# a fleet behind two bastions
IdentityFile ~/.ssh/first_%r

Host web* !web3 db?
  HostName %h.example.test
  User alice
  IdentityFile ~/.ssh/id_%h_%r
  IdentityFile %d/keys/%u
  ProxyJump j1,hop@j2:2222
  UserKnownHostsFile ~/.ssh/kh_%h %d/kh2_%n
  IdentitiesOnly yes

Match host *.example.test user alice
  Port 2201
  ServerAliveInterval 15

Match !host *.example.test originalhost web3
  ProxyJump none
  User carol

Host special
  ProxyCommand none
  ProxyJump j1

Host direct
  ProxyJump none

Host j1
  HostName=198.18.0.21
  StrictHostKeyChecking accept-new
  IdentityAgent %d/agent.sock

Include ${include}/*.conf

Host "quoted name" quoted
  HostName 198.18.0.99
  ConnectTimeout 7

Host *
  ProxyJump j1
  ServerAliveCountMax 5
  StrictHostKeyChecking yes
  ConnectTimeout 4
  IdentityAgent none
`)

for (const host of ['web1', 'web3', 'db1', 'db12', 'special', 'direct', 'j1', 'j2', 'included1', 'quoted', 'other', '198.18.0.5', 'WEB1']) {
  test(`as ssh -G: ${host}`, () => sameAsSsh(MAIN, host))
}

test('as ssh -G: command-line options (ansible_user, ansible_port, -o in ssh args) win over the file, and Match user sees them', () => {
  sameAsSsh(MAIN, 'web1', ['User=bob'])
  sameAsSsh(MAIN, 'web1', ['Port=2300', 'ProxyJump=none'])
  sameAsSsh(MAIN, 'other', ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/tmp/kh'])
})

test('IdentityFile: every one, in order, ~ and %d %u %h %r expanded (as ssh expands UserKnownHostsFile above)', () => {
  const r = resolveHost('web1', { sources: fileSources(MAIN), preset: new Map() })
  const home = homedir()
  const me = userInfo().username
  assert.equal(r.identityFiles, [`${home}/.ssh/first_alice`, `${home}/.ssh/id_web1.example.test_alice`, `${home}/keys/${me}`])
  assert.is(r.identityFilesGiven, true)
})

test('ProxyJump: the chain parsed hop by hop, first hop first', () => {
  const r = resolveHost('web1', { sources: fileSources(MAIN), preset: new Map() })
  assert.equal(r.proxyJump, [{ host: 'j1', user: undefined, port: undefined }, { host: 'j2', user: 'hop', port: 2222 }])
  assert.equal(parseJumpSpec('ssh://u@h.example:2200'), { user: 'u', host: 'h.example', port: 2200 })
  assert.equal(parseJumpSpec('[2001:db8::1]:22'), { user: undefined, host: '2001:db8::1', port: 22 })
  assert.is(parseJumpSpec('a b'), undefined)
})

const errorOf = (text: string, host = 'h1') => {
  try {
    resolveHost(host, { sources: fileSources(configFile(text)), preset: new Map() })
  } catch (e) {
    return (e as Error).message
  }
  assert.unreachable('no error')
  return ''
}

test('errors name the file and the line: unknown keyword, missing value, unclosed quote, bad Match, bad values', () => {
  assert.match(errorOf('Host h1\n  HostNmae x\n'), /config\d+:2: Bad configuration option: HostNmae/)
  assert.match(errorOf('Host h1\n  HostName\n  Port 22\n'), /config\d+:2: HostName: missing argument/)
  assert.match(errorOf('\nHost h1\n  User "alice\n'), /config\d+:3: /)
  assert.match(errorOf('Match hots h1\n  User x\n'), /config\d+:1: Match: unsupported attribute hots/)
  assert.match(errorOf('Match exec "true"\n  User x\n'), /config\d+:1: Match exec is not supported/)
  assert.match(errorOf('Host h1\n  Port 70000\n'), /config\d+:2: Port '70000' is not a number from 1 to 65535 \(for host h1\)/)
  assert.match(errorOf('Host h1\n  ProxyJump a b\n'), /config\d+:2: ProxyJump 'a b' is not/)
  assert.match(errorOf('Host h1\n\n  StrictHostKeyChecking maybe\n'), /config\d+:3: StrictHostKeyChecking 'maybe'/)
  assert.match(errorOf('Host h1\n  IdentityFile ~/.ssh/%z\n'), /config\d+:2: IdentityFile '~\/.ssh\/%z': unknown token %z/)
  assert.match(errorOf('IgnoreUnknown Foo*\nFooBar 1\nHost h1\n  Bogus 2\n'), /config\d+:4: Bad configuration option: Bogus/)
})

test('ProxyCommand is refused (unless none), saying which ProxyJump does the same', () => {
  assert.match(errorOf('Host h1\n  ProxyCommand ssh -W %h:%p -q admin@bastion\n'), /config\d+:2: ProxyCommand is not supported.*use ProxyJump \(for `ssh -W %h:%p -q admin@bastion` that is: ProxyJump admin@bastion\)/)
  assert.not.throws(() => resolveHost('h1', { sources: fileSources(configFile('Host h1\n  ProxyCommand none\n')), preset: new Map() }))
})

test('a missing -F file is an error; a missing default file is not', async () => {
  assert.throws(() => resolveHost('h1', { sources: fileSources(join(dir, 'nope')), preset: new Map() }), /ssh_config .*nope: cannot read it: ENOENT/)
  assert.not.throws(() => resolveHost('h1', { sources: [{ path: join(dir, 'nope'), optional: true, user: true }], preset: new Map() }))
  assert.ok(rejectionMessageOf)
})

test('the parser keeps every line number right after comments, blank lines and continuation-free values', () => {
  const lines = parseSshConfig('# c\n\nHost a # x\n  # y\n\n  User b\nMatch all\n Port 3\n', 'f')
  assert.equal(lines.map((l) => [l.keyword, l.line]), [['host', 3], ['user', 6], ['match', 7], ['port', 8]])
})

test.run()
