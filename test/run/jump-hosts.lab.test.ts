/**
 * Hosts reachable only through jump hosts (lab up --jump), configured by an
 * ssh_config file alone: the inventory names the hosts and nothing else,
 * `kvmplay run -F ssh_config`. The seed's migration through one bastion
 * and through a chain of two, checked on the hosts, a second run changing
 * nothing, the bastion's sshd seeing one login for the whole run (cutover
 * reconnects included); a jump host that is down fails only its hosts,
 * naming it; an ssh_config with a syntax error, an unknown ProxyJump host,
 * a jump host whose key changed: each a clear error, nothing changed.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { labDown } from '../../src/lab/lab.ts'
import { hostPaths } from '../../src/lab/state.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, labTest, onHost, testLab, useLab } from '../helpers/lab.ts'
/** The test lab's network (198.19 unless KVMPLAY_TEST_LAB_NET says otherwise). */
const NET = TEST_LAB.net
import { kvmplay, recapOf } from '../helpers/cli.ts'

const jh = suite('jump hosts')
const it = labTest(jh)
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url))
const MIGRATE = join(PLAYBOOKS, 'migrate-nat-to-bridge.play.ts')
const CUSTOM = join(PLAYBOOKS, 'custom-task.play.ts')
const CONF = '/etc/kvmplay-example.conf'
const dir = mkdtempSync(join(tmpdir(), 'kvmplay-jump-test-'))
let hosts: HostPlan[]
let sshConfig: string

/** An inventory of host names only: everything else comes from the ssh_config. */
function namesOnly(names: string[]): string {
  const f = join(dir, `inventory-${names.join('-')}.yaml`)
  // The lab's hosts keep their network in no system: the inventory says ifcfg, as the lab's own does.
  writeFileSync(f, `hypervisors:\n  vars:\n    network_backend: ifcfg\n  hosts:\n${names.map((n) => `    ${n}:\n`).join('')}`)
  return f
}
const file = (name: string, text: string) => {
  const f = join(dir, name)
  writeFileSync(f, text)
  return f
}
const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l))
/** The bastion's sshd log: one "Accepted publickey" line per login. */
const bastionLogins = (name = 'j1') => readFileSync(join(hostPaths(testLab().dir, name).upper, 'var/log/sshd.log'), 'utf8').split('\n').filter((l) => l.includes('Accepted publickey')).length

/** The migration's end state, read on the host: br0 holds the address, eth0 is its port, the guests are on br0, `default` is gone. */
async function migrated(h: HostPlan): Promise<void> {
  const addrs = JSON.parse(await onHost(h, 'ip -j addr show br0'))
  assert.equal(addrs[0].addr_info.filter((a: { family: string }) => a.family === 'inet').map((a: { local: string }) => a.local), [h.address], h.name)
  assert.is(JSON.parse(await onHost(h, 'ip -j link show eth0'))[0].master, 'br0', h.name)
  for (const vm of ['vm1', 'vm2']) assert.match(await onHost(h, `virsh dumpxml --inactive ${vm}`), "<source bridge='br0'/>", `${h.name} ${vm}`)
  assert.not.match(await onHost(h, 'virsh net-list --all --name'), /^default$/m, h.name)
}

const noChange = (res: ReturnType<typeof kvmplay>, names: string[]) => {
  assert.is(res.code, 0, res.out + res.err)
  const recap = recapOf(res.out)
  for (const n of names) assert.is(recap.hosts[n].changed, 0, `${n}: ${JSON.stringify(recap.hosts[n])}`)
}

if (!labSkipReason) {
  jh.before(async () => {
    await labDown(TEST_LAB)
    const lab = await useLab(3, undefined, undefined, { jump: 1 })
    hosts = lab.hosts
    sshConfig = lab.sshConfig
  })
  jh.after(async () => {
    // The next suite gets a lab without bastions.
    await labDown(TEST_LAB)
    rmSync(dir, { recursive: true, force: true })
  })
}

it('behind the bastion the hosts are out of the machine\'s reach, and in reach of ssh -F with the lab\'s ssh_config', async () => {
  const route = await $`ip route get ${hosts[0].address}`.nothrow()
  assert.match(route.stdout + route.stderr, /unreachable|No route to host/)
  assert.is((await onHost(hosts[0], 'hostname')).trim(), 'h1')
  assert.match(readFileSync(sshConfig, 'utf8'), `Host h1\n  HostName ${NET}.1.2\n  ProxyJump j1\n`)
})

it('the migration through one jump host, from an ssh_config alone: hosts migrated, one login to the bastion for the whole run, a second run changes nothing', async () => {
  const inventory = namesOnly(['h1', 'h2', 'h3'])
  const before = bastionLogins()
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-F', sshConfig, '--json'])
  // Every host's connection and every cutover's second login went over one connection to j1 (read before ssh -F's own logins below).
  assert.is(bastionLogins() - before, 1)
  assert.is(res.code, 0, res.out + res.err)
  for (const h of hosts) await migrated(h)
  noChange(kvmplay(['run', MIGRATE, '-i', inventory, '-F', sshConfig, '--json']), ['h1', 'h2', 'h3'])
})

it('a jump host that is down: its host is unreachable, naming it; the others converge', async () => {
  await Promise.all(hosts.map((h) => onHost(h, `rm -f ${CONF} /var/lib/kvmplay/backups${CONF}.*~ && printf 'UseDNS yes\\n' > ${CONF}`)))
  const config = file('ssh_config-down', `Host h3\n  ProxyJump jdown\nHost jdown\n  HostName ${NET}.0.2\n  Port 2222\nHost *\nInclude ${sshConfig}\n`)
  const res = kvmplay(['run', CUSTOM, '-i', namesOnly(['h1', 'h2', 'h3']), '-F', config, '--json'])
  assert.is(res.code, 3, res.out + res.err)
  const unreachable = events(res.out).filter((e) => e.type === 'unreachable')
  assert.equal(unreachable.map((e) => e.host), ['h3'])
  assert.match(unreachable[0].reason, `h3: jump host jdown: cannot connect to root@${NET}.0.2:2222`)
  for (const h of hosts.slice(0, 2)) assert.is(await onHost(h, `cat ${CONF}`), 'PermitRootLogin prohibit-password\n', h.name)
  assert.is(await onHost(hosts[2], `cat ${CONF}`), 'UseDNS yes\n')
})

it('bad input, each a clear error with nothing changed: a syntax error (file:line), an unknown ProxyJump host', async () => {
  await onHost(hosts[0], `printf 'UseDNS yes\\n' > ${CONF}`)
  const broken = file('ssh_config-broken', `Include ${sshConfig}\n\nHost h1\n  HostNmae ${NET}.1.2\n`)
  const a = kvmplay(['run', CUSTOM, '-i', namesOnly(['h1']), '-F', broken])
  assert.is(a.code, 4, a.out + a.err)
  assert.match(a.err, `ssh_config ${broken}:4: Bad configuration option: HostNmae`)
  const typo = file('ssh_config-typo', `Host h1\n  ProxyJump bastoin\nHost *\nInclude ${sshConfig}\n`)
  const b = kvmplay(['run', CUSTOM, '-i', namesOnly(['h1']), '-F', typo])
  assert.is(b.code, 4, b.out + b.err)
  assert.match(b.err, `host h1: jump host 'bastoin' (ProxyJump at ${typo}:2) is not known`)
  assert.is(await onHost(hosts[0], `cat ${CONF}`), 'UseDNS yes\n')
})

it("a jump host whose key changed is refused, and its hosts with it, naming the jump host and the known_hosts line; nothing changed", async () => {
  const known = readFileSync(join(testLab().dir, 'known_hosts'), 'utf8')
  // Another host's key of j1's own type (ed25519; hosts have rsa and ecdsa too): a changed key, not an unknown type.
  const otherKey = known.split('\n').find((l) => l.startsWith(`${hosts[0].address} ssh-ed25519 `))!.split(' ').slice(1).join(' ')
  const forged = file('known_hosts-forged', known.replace(new RegExp(`^${NET.replace('.', '\\.')}\\.0\\.2 .*$`, 'm'), `${NET}.0.2 ${otherKey}`))
  const config = file('ssh_config-forged', `Host *\n  UserKnownHostsFile ${forged}\nInclude ${sshConfig}\n`)
  const res = kvmplay(['run', CUSTOM, '-i', namesOnly(['h1']), '-F', config, '--json'])
  assert.is(res.code, 3, res.out + res.err)
  const [u] = events(res.out).filter((e) => e.type === 'unreachable')
  assert.match(u.reason, `h1: jump host j1: HOST KEY OF ${NET}.0.2 HAS CHANGED`)
  assert.match(u.reason, `${forged}:`)
  assert.is(await onHost(hosts[0], `cat ${CONF}`), 'UseDNS yes\n')
})

it('the migration through a chain of two jump hosts, from an ssh_config alone; a second run changes nothing', async () => {
  const lab = await useLab(2, undefined, undefined, { jump: 2 })
  assert.match(readFileSync(lab.sshConfig, 'utf8'), `Host j2\n  HostName ${NET}.0.6\n  ProxyJump j1\n`)
  const inventory = namesOnly(['h1', 'h2'])
  const res = kvmplay(['run', MIGRATE, '-i', inventory, '-F', lab.sshConfig, '--json'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of lab.hosts) await migrated(h)
  noChange(kvmplay(['run', MIGRATE, '-i', inventory, '-F', lab.sshConfig, '--json']), ['h1', 'h2'])
  // The lab's own inventory (ssh args: -F the lab's ssh_config) works unchanged too, for kvmplay and for Ansible.
  noChange(kvmplay(['run', MIGRATE, '-i', lab.inventory, '--json']), ['h1', 'h2'])
  const ping = await $`ansible -i ${lab.inventory} all -m ping -o`.nothrow()
  assert.is(ping.exitCode, 0, ping.stdout + ping.stderr)
  for (const h of ['h1', 'h2']) assert.match(ping.stdout, new RegExp(`^${h} \\| SUCCESS`, 'm'))
})

jh.run()
