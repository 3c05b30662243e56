/**
 * `kvmplay run` end to end on the lab: the real CLI, real sshd and libvirtd
 * hosts; every assertion about a host is read from the host itself.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { labDown, labUp, labStop } from '../../src/lab/lab.ts'
import { TEST_LAB, onHost, useLab } from '../helpers/lab.ts'
/** The test lab's network (198.19 unless KVMPLAY_TEST_LAB_NET says otherwise). */
const NET = TEST_LAB.net
import { kvmplay, kvmplayAsync, recapOf, FIXTURES } from '../helpers/cli.ts'
import { $ } from 'zx'
import type { HostPlan } from '../../src/lab/addressing.ts'

const run = suite('run')
let hosts: HostPlan[]
let inventory: string
let knownHosts: string
const SITE = join(FIXTURES, 'site.play.ts')

/** Everything the site playbook touches on a host, as one string: equal strings, untouched host. */
const fingerprint = (h: HostPlan) =>
  onHost(
    h,
    'for f in /etc/sysctl.conf /etc/sysctl.d/90-kvmplay-test.conf /etc/kvmplay/owner.txt /etc/motd /var/tmp/kvmplay-created /var/tmp/kvmplay-motd-handler; do ' +
      'if [ -e $f ]; then stat -c "%n %a %s %Y" $f; md5sum < $f; else echo "$f absent"; fi; done; ' +
      'cat /proc/sys/net/ipv4/conf/all/accept_redirects /proc/sys/net/ipv4/ip_forward; ls -a /etc | md5sum',
  )

run.before(async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(3)
  hosts = lab.hosts
  inventory = lab.inventory
  knownHosts = lab.knownHosts
})

run('--check on fresh hosts reports what would change and changes nothing', async () => {
  const before = await Promise.all(hosts.map(fingerprint))
  const res = kvmplay(['run', SITE, '-i', inventory, '--check', '--json'])
  assert.is(res.code, 0, res.err)
  const recap = recapOf(res.out)
  for (const h of hosts) assert.ok(recap.hosts[h.name].changed >= 4, JSON.stringify(recap.hosts[h.name]))
  assert.equal(await Promise.all(hosts.map(fingerprint)), before)
})

run('a run converges every host; the end state is on the hosts', async () => {
  const res = kvmplay(['run', SITE, '-i', inventory])
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, 'RECAP')
  for (const h of hosts) {
    assert.match(await onHost(h, 'cat /etc/sysctl.conf'), /^net\.ipv4\.ip_forward = 1$/m)
    assert.is((await onHost(h, 'cat /proc/sys/net/ipv4/conf/all/accept_redirects')).trim(), '0')
    assert.is(await onHost(h, 'cat /etc/sysctl.d/90-kvmplay-test.conf'), 'net.ipv4.conf.all.accept_redirects = 0\n')
    assert.is(await onHost(h, 'stat -c "%a %U" /etc/kvmplay/owner.txt; cat /etc/kvmplay/owner.txt'), '600 root\nmanaged by kvmplay\n')
    assert.is(await onHost(h, 'cat /etc/motd'), `Welcome to ${h.name}, hypervisor of site lab.\n`)
    assert.is((await onHost(h, 'test -e /var/tmp/kvmplay-created && echo yes')).trim(), 'yes')
    // The handler ran once.
    assert.is((await onHost(h, 'wc -l < /var/tmp/kvmplay-motd-handler')).trim(), '1')
    // No temp file left beside what was written.
    assert.is((await onHost(h, "find /etc -maxdepth 2 -name '.kvmplay.*' | wc -l")).trim(), '0')
  }
})

run('the second run changes nothing, and says so', async () => {
  const before = await Promise.all(hosts.map(fingerprint))
  const res = kvmplay(['run', SITE, '-i', inventory, '--json'])
  assert.is(res.code, 0, res.err)
  const recap = recapOf(res.out)
  for (const h of hosts) assert.equal(recap.hosts[h.name], { ok: 5, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolled_back: 0 })
  assert.equal(await Promise.all(hosts.map(fingerprint)), before)
})

run('--diff shows the unified diff of what changes; a backup keeps the old file', async () => {
  const res = kvmplay(['run', SITE, '-i', inventory, '--diff', '-l', 'h1', '-e', 'site=paris'])
  assert.is(res.code, 0, res.err)
  assert.match(res.out, '--- /etc/motd (before)')
  assert.match(res.out, '+++ /etc/motd (after)')
  assert.match(res.out, '-Welcome to h1, hypervisor of site lab.')
  assert.match(res.out, '+Welcome to h1, hypervisor of site paris.')
  const backups = await onHost(hosts[0], 'cat $(ls -t /var/lib/kvmplay/backups/etc/motd.*~ | head -1)')
  assert.is(backups, 'Welcome to h1, hypervisor of site lab.\n')
})

run('--limit selects the right hosts; the others are not touched', async () => {
  const untouched = await Promise.all([hosts[0], hosts[2]].map(fingerprint))
  const res = kvmplay(['run', SITE, '-i', inventory, '--limit', 'h2', '-e', 'site=berlin', '--json'])
  assert.is(res.code, 0, res.err)
  assert.equal(Object.keys(recapOf(res.out).hosts), ['h2'])
  assert.match(await onHost(hosts[1], 'cat /etc/motd'), 'site berlin')
  assert.equal(await Promise.all([hosts[0], hosts[2]].map(fingerprint)), untouched)
  // Ansible patterns: union, exclusion.
  const pattern = kvmplay(['run', SITE, '-i', inventory, '--check', '--limit', 'h*:!h2', '--json'])
  assert.equal(Object.keys(recapOf(pattern.out).hosts), ['h1', 'h3'])
})

run('an unreachable host is reported unreachable while the others converge', async () => {
  await labStop(['h3'], TEST_LAB)
  const res = kvmplay(['run', SITE, '-i', inventory, '-e', 'site=rome', '--json', '--timeout', '3'])
  assert.is(res.code, 3, res.out + res.err)
  const recap = recapOf(res.out)
  assert.is(recap.hosts.h3.unreachable, 1)
  for (const h of hosts.slice(0, 2)) {
    assert.is(recap.hosts[h.name].failed, 0)
    assert.match(await onHost(h, 'cat /etc/motd'), 'site rome')
  }
  const events = res.out.trim().split('\n').map((l) => JSON.parse(l))
  assert.match(events.find((e) => e.type === 'unreachable').reason, /h3: cannot connect/)
  await labUp(3, TEST_LAB) // rebuilds h3
})

run('a link that dies mid-run: that host is unreachable within the keepalive bound, the others converge', async () => {
  const [h1, h2] = hosts
  const child = kvmplayAsync(['run', join(FIXTURES, 'slow.play.ts'), '-i', inventory, '-l', 'h1:h2', '--json'])
  await new Promise((r) => setTimeout(r, 2000))
  await $`ip link set ${h1.vethRoot} down`
  const started = Date.now()
  const res = await child
  await $`ip link set ${h1.vethRoot} up`
  assert.is(res.code, 3, res.out)
  assert.ok((Date.now() - started) / 1000 < 30, 'noticed within the keepalive bound')
  const recap = recapOf(res.out)
  assert.is(recap.hosts.h1.unreachable, 1)
  // The link can die during a command (connection lost) or between two (a channel that cannot open).
  const lost = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'unreachable')
  assert.is(lost.host, 'h1')
  assert.match(lost.reason, /^h1: .*(connection|cannot run a command)/)
  assert.is(recap.hosts.h2.failed, 0)
  assert.is((await onHost(h2, 'test -e /var/tmp/kvmplay-slow && echo yes')).trim(), 'yes')
  assert.is((await onHost(h1, 'test -e /var/tmp/kvmplay-slow && echo yes || echo no')).trim(), 'no')
})

run('without a key file in the inventory, the ssh-agent logs in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-agent-'))
  const sock = join(dir, 'agent.sock')
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
  try {
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50))
    const keyFile = readFileSync(inventory, 'utf8').match(/ansible_ssh_private_key_file: (\S+)/)![1]
    await $({ env: { ...process.env, SSH_AUTH_SOCK: sock } })`ssh-add -q ${keyFile}`
    const keyless = join(dir, 'hosts.yaml')
    writeFileSync(keyless, readFileSync(inventory, 'utf8').replace(/^\s*ansible_ssh_private_key_file: .*\n/gm, ''))
    const res = kvmplay(['run', SITE, '-i', keyless, '-l', 'h1', '--check', '--json'], { env: { SSH_AUTH_SOCK: sock } })
    assert.is(res.code, 0, res.out + res.err)
    assert.is(recapOf(res.out).hosts.h1.unreachable, 0)
    const none = kvmplay(['run', SITE, '-i', keyless, '-l', 'h1', '--check', '--json'], { env: { SSH_AUTH_SOCK: '' } })
    assert.is(none.code, 3, 'and without the agent, no way in')
  } finally {
    agent.kill()
  }
})

run('a host whose key is not in known_hosts is refused and stays untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-kh-'))
  const partial = join(dir, 'known_hosts')
  writeFileSync(partial, readFileSync(knownHosts, 'utf8').split('\n').filter((l) => !l.startsWith(`${hosts[1].address} `)).join('\n'))
  const before = await fingerprint(hosts[1])
  const res = kvmplay(['run', SITE, '-i', inventory, '--known-hosts', partial, '-e', 'site=oslo', '--json'])
  assert.is(res.code, 3, res.err)
  const events = res.out.trim().split('\n').map((l) => JSON.parse(l))
  const refused = events.find((e) => e.type === 'unreachable')
  assert.is(refused.host, 'h2')
  assert.is(refused.errorKind, 'hostkey')
  assert.match(refused.reason, '--accept-new-host-keys')
  assert.is(await fingerprint(hosts[1]), before)
  // Trust on first use, only when asked: then the key is recorded and the host converges.
  const tofu = kvmplay(['run', SITE, '-i', inventory, '--known-hosts', partial, '--accept-new-host-keys', '-l', 'h2', '-e', 'site=oslo'])
  assert.is(tofu.code, 0, tofu.out + tofu.err)
  assert.match(readFileSync(partial, 'utf8'), `${hosts[1].address} ssh-ed25519 `)
})

run('a changed host key is refused even with --accept-new-host-keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-kh-'))
  const wrong = join(dir, 'known_hosts')
  const other = readFileSync(knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${hosts[0].address} `))!.split(' ').slice(1).join(' ')
  writeFileSync(wrong, `${hosts[1].address} ${other}\n`)
  const res = kvmplay(['run', SITE, '-i', inventory, '--known-hosts', wrong, '--accept-new-host-keys', '-l', 'h2', '--json'])
  assert.is(res.code, 3)
  assert.match(res.out, `HOST KEY OF ${NET}.2.2 HAS CHANGED`)
})

run('a bad inventory: exit 4, file and line named, no host contacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-inv-'))
  const bad = join(dir, 'hosts.yaml')
  writeFileSync(bad, 'all:\n  children:\n    hypervisors:\n      hosts:\n        - h1\n')
  const before = await fingerprint(hosts[0])
  const res = kvmplay(['run', SITE, '-i', bad])
  assert.is(res.code, 4)
  assert.match(res.err, `${bad}:5`)
  assert.is(await fingerprint(hosts[0]), before)
  const missing = kvmplay(['run', SITE, '-i', join(dir, 'nope.yaml')])
  assert.is(missing.code, 4)
  assert.match(missing.err, 'nope.yaml')
})

run('a broken playbook: exit 4 with file and line, before any host is touched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-pb-'))
  const syntax = join(dir, 'syntax.play.ts')
  writeFileSync(syntax, "import { playbook } from 'kvmplay'\nexport default playbook({ name: 'x', hosts: 'all', tasks: [ })\n")
  const before = await Promise.all(hosts.map(fingerprint))
  const a = kvmplay(['run', syntax, '-i', inventory])
  assert.is(a.code, 4)
  assert.match(a.err, `${syntax}:2:`)
  const b = kvmplay(['run', join(FIXTURES, 'broken.play.ts'), '-i', inventory])
  assert.is(b.code, 4)
  assert.match(b.err, /broken\.play\.ts:7:\d+: .*invalid path "etc\/relative"/)
  const noExport = join(dir, 'noexport.play.ts')
  writeFileSync(noExport, "export const x = 1\n")
  const c = kvmplay(['run', noExport, '-i', inventory])
  assert.is(c.code, 4)
  assert.match(c.err, 'no default export')
  assert.equal(await Promise.all(hosts.map(fingerprint)), before)
})

run('a missing template variable: exit 4, the variable named, the hosts untouched', async () => {
  const before = await Promise.all(hosts.map(fingerprint))
  const res = kvmplay(['run', join(FIXTURES, 'missing-var.play.ts'), '-i', inventory])
  assert.is(res.code, 4, res.out + res.err)
  assert.match(res.out, "variable 'site' is not defined")
  for (const h of hosts) assert.is((await onHost(h, 'test -e /etc/motd-missing && echo yes || echo no')).trim(), 'no')
  assert.equal(await Promise.all(hosts.map(fingerprint)), before)
})

run.after(async () => {
  await labUp(3, TEST_LAB) // leave a whole fleet for the next suite
})

run.run()
