/**
 * The lab's cheap hosts (`lab up --cheap`): sshd and files only, one /30
 * each, for scale runs. On a lab of its own beside the test lab: each host
 * answers on its /30 with sshd and nothing else running; the scale
 * benchmark's playbook (files and net.* sysctls) converges on all of them
 * and changes nothing the second time or under --check; after a power cycle
 * the kernel parameters come back from the persisted file, read at boot by
 * procps's sysctl as systemd-sysctl would; a wrong mix of options is refused.
 */
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { labDown, labReboot, labUp } from '../../src/lab/lab.ts'
import { hostPlan } from '../../src/lab/addressing.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { labPaths } from '../../src/lab/state.ts'
import { TEST_LAB, labSkipReason, labTest } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'

const s = suite('cheap lab hosts')
const it = labTest(s)
// Its own lab on the test lab's network: the first /30s sit below the test lab's first /24.
const CHEAP = { name: `${TEST_LAB.name.slice(0, 5)}c`, net: TEST_LAB.net, dir: `${TEST_LAB.dir}-cheap` }
const PLAY = fileURLToPath(new URL('../../bench/scale.play.ts', import.meta.url))
const COUNT = 6
let hosts: HostPlan[] = []
let inventory = ''

const on = async (h: HostPlan, command: string) => (await $`ssh -F ${labPaths(CHEAP.dir).sshConfig} ${h.name} ${command}`).stdout
const state = (h: HostPlan) => on(h, 'cat /etc/kvmplay/baseline.conf /etc/kvmplay/role /etc/motd /etc/sysctl.d/90-kvmplay-baseline.conf 2>&1; cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/rp_filter /proc/sys/net/core/somaxconn')
const run = (generation: number, extra: string[] = []) => kvmplay(['run', PLAY, '-i', inventory, '--json', '-e', `generation=${generation}`, ...extra])

if (!labSkipReason) {
  s.before(async () => {
    $.quiet = true
    const up = await labUp(COUNT, { ...CHEAP, cheap: true, login: 'root' })
    hosts = Array.from({ length: COUNT }, (_, i) => hostPlan(up.lab, i + 1))
    inventory = up.inventory
  })
  s.after(async () => {
    await labDown(CHEAP)
  })
}

it('each cheap host answers on its own /30 and runs sshd and nothing else', async () => {
  for (const h of hosts) {
    assert.match(h.address, new RegExp(`^${TEST_LAB.net.replace('.', '\\.')}\\.0\\.\\d+$`))
    const out = await on(h, 'hostname; ip -4 -o addr show dev eth0; ps -e -o comm=')
    assert.ok(out.startsWith(`${h.name}\n`), out)
    assert.match(out, new RegExp(`inet ${h.address.replace(/\./g, '\\.')}/30 `))
    const programs = new Set(out.split('\n').slice(2).map((l) => l.trim()).filter(Boolean))
    assert.not.ok(programs.has('libvirtd'), out)
    assert.ok([...programs].every((p) => ['tini', 'sleep', 'sshd', 'ps', 'sh', 'bash'].includes(p)), [...programs].join(' '))
  }
})

it("a cheap host stays minimal: one ed25519 host key of its own, the only one its sshd loads (not the machine's rsa or ecdsa)", async () => {
  const [h] = hosts
  assert.is((await on(h, 'sshd -T | grep "^hostkey "')).trim(), 'hostkey /etc/ssh/ssh_host_ed25519_key')
  const scanned = (await $`ssh-keyscan -T 5 ${h.address}`).stdout.trim().split('\n')
  assert.equal(scanned.map((l) => l.split(' ')[1]), ['ssh-ed25519'])
  assert.equal((await on(h, 'sshd -T | grep -E "^(usepam|maxstartups) "')).trim().split('\n').sort(), ['maxstartups 10:30:100', 'usepam yes'])
})

it('the scale playbook converges on every host; a second run and --check change nothing', async () => {
  const first = run(1)
  assert.is(first.code, 0, first.out + first.err)
  for (const h of hosts) assert.is(recapOf(first.out).hosts[h.name].changed, 6, h.name)
  const before = await Promise.all(hosts.map(state))
  for (const [i, h] of hosts.entries()) {
    assert.match(before[i], new RegExp(`^# managed by kvmplay\\ngeneration = 1\\nhost = ${h.name}\\n`))
    assert.match(before[i], /\n1\n2\n4097\n$/, 'ip_forward, rp_filter and somaxconn as wished')
  }
  const again = run(1)
  assert.is(again.code, 0, again.err)
  for (const h of hosts) assert.is(recapOf(again.out).hosts[h.name].changed, 0, h.name)
  const check = run(2, ['--check'])
  assert.is(check.code, 0, check.err)
  for (const h of hosts) assert.is(recapOf(check.out).hosts[h.name].changed, 6, `would change on ${h.name}`)
  assert.equal(await Promise.all(hosts.map(state)), before, 'neither the second run nor --check changed a host')
})

it('after a power cycle the persisted kernel parameters come back, and an unpersisted one is gone', async () => {
  const [h] = hosts
  const before = await state(h)
  // Set live only (default 6): a booting kernel starts without it.
  await on(h, 'sysctl -qw net.ipv4.tcp_syn_retries=3')
  const res = await labReboot([h.name], CHEAP)
  assert.ok(res.hosts[0].ok, res.hosts[0].error)
  assert.equal(await state(h), before)
  assert.match(before, /\n1\n2\n4097\n$/)
  assert.is((await on(h, 'cat /proc/sys/net/ipv4/tcp_syn_retries')).trim(), '6')
})

it('options that need more of a host than sshd are refused with --cheap, naming them', async () => {
  for (const [opts, named] of [
    [{ profile: 'networkmanager' }, /--profile networkmanager/],
    [{ guests: 'lease' }, /--guests lease/],
    [{ dhcp: true }, /--dhcp/],
  ] as const) {
    try {
      await labUp(COUNT, { ...CHEAP, cheap: true, ...opts })
      assert.unreachable('accepted')
    } catch (err) {
      assert.match((err as Error).message, named)
      assert.match((err as Error).message, /cheap hosts are sshd and files only/)
    }
  }
  // Nothing was taken down by the refusals.
  assert.match(await on(hosts[COUNT - 1], 'hostname'), new RegExp(`^h${COUNT}$`, 'm'))
})

s.run()
