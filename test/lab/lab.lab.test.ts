/**
 * The lab on the real machine: three hosts, each checked from the outside
 * over SSH and through the kernel, then removed without a trace.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { parse } from 'yaml'
import { $ } from 'zx'
import { labDown, labStatus, labUp } from '../../src/lab/lab.ts'
import { netnsPids, powerOff, processRuns } from '../../src/lab/host.ts'
import { labPaths } from '../../src/lab/state.ts'
import { TEST_LAB, onHost, testLab, useLab } from '../helpers/lab.ts'
import { skipIf } from '../helpers/skip.ts'
/** The test lab's network (198.19 unless KVMPLAY_TEST_LAB_NET says otherwise). */
const NET = TEST_LAB.net

const lab = suite('lab')
type Fleet = Awaited<ReturnType<typeof useLab>>
let fleet: Fleet

lab.before(async () => {
  await labDown(TEST_LAB) // from nothing, whatever an earlier run left
  fleet = await useLab(3)
})

lab('brings up three hosts, each with its own hostname and a unique, stable MAC on eth0', async () => {
  assert.equal(fleet.hosts.map((h) => h.name), ['h1', 'h2', 'h3'])
  assert.ok(fleet.hosts.every((h) => fleet.hosts.find((x) => x.name === h.name)))
  const macs = new Set<string>()
  for (const host of fleet.hosts) {
    assert.is((await onHost(host, 'hostname')).trim(), host.name)
    const [link] = JSON.parse(await onHost(host, 'ip -j link show eth0'))
    assert.is(link.address, host.mac)
    macs.add(link.address)
    const [route] = JSON.parse(await onHost(host, 'ip -j route show default'))
    assert.is(route.gateway, host.gateway)
    assert.is(route.dev, 'eth0')
  }
  assert.is(macs.size, 3)
})

lab("libvirt's default NAT network is defined, active and autostarted, as on a fresh KVM install", async () => {
  for (const host of fleet.hosts) {
    const list = await onHost(host, 'virsh net-list --all')
    assert.match(list, /^\s*default\s+active\s+yes\s+yes\s*$/m)
    const xml = await onHost(host, 'virsh net-dumpxml default')
    assert.match(xml, "<bridge name='virbr0'")
    assert.match(xml, "<ip address='192.168.122.1' netmask='255.255.255.0'>")
    assert.match(xml, "<range start='192.168.122.2' end='192.168.122.254'/>")
    assert.match(xml, "<forward mode='nat'>")
  }
})

lab('each host has two guests on `default` with their fixed MACs, vm1 running', async () => {
  for (const host of fleet.hosts) {
    const list = await onHost(host, 'virsh list --all')
    assert.match(list, /\bvm1\s+running/)
    assert.match(list, /\bvm2\s+shut off/)
    for (const domain of host.domains) {
      const ifaces = await onHost(host, `virsh domiflist ${domain.name}`)
      assert.match(ifaces, new RegExp(`network\\s+default\\s+${domain.model}\\s+${domain.mac}`))
    }
  }
})

lab("a file written under /etc on a host reaches neither the machine's /etc nor another host", async () => {
  const [h1, h2] = fleet.hosts
  await onHost(h1, 'echo lab > /etc/kvmplay-overlay-probe && echo usr > /usr/local/kvmplay-overlay-probe')
  assert.is((await onHost(h1, 'cat /etc/kvmplay-overlay-probe')).trim(), 'lab')
  assert.not.ok(existsSync('/etc/kvmplay-overlay-probe'))
  assert.not.ok(existsSync('/usr/local/kvmplay-overlay-probe'))
  assert.is((await onHost(h2, 'test -e /etc/kvmplay-overlay-probe && echo yes || echo no')).trim(), 'no')
  // The host's sysctls are its own too.
  await onHost(h1, 'sysctl -qw net.ipv4.conf.all.forwarding=1')
  assert.is(readFileSync('/proc/sys/net/ipv4/conf/all/forwarding', 'utf8').trim(), '0')
})

lab('the inventory is Ansible YAML and the known_hosts makes strict host-key checking pass', async () => {
  const inv = parse(readFileSync(fleet.inventory, 'utf8'))
  const hosts = inv.all.children.hypervisors.hosts
  assert.equal(Object.keys(hosts), ['h1', 'h2', 'h3'])
  const key = hosts.h1.ansible_ssh_private_key_file
  assert.ok(existsSync(key))
  for (const host of fleet.hosts) {
    assert.is(hosts[host.name].ansible_host, host.address)
    const ok = await $({ nothrow: true })`ssh -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${fleet.knownHosts} root@${host.address} true`
    assert.is(ok.exitCode, 0, ok.stderr)
  }
  // Strict for real: with an empty known_hosts the same login is refused.
  const refused = await $({ nothrow: true })`ssh -i ${key} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null root@${fleet.hosts[0].address} true`
  assert.is.not(refused.exitCode, 0)
  assert.match(refused.stderr, /Host key verification failed/)
})

const noAnsible = spawnSync('sh', ['-c', 'command -v ansible']).status === 0 ? undefined : 'ansible is not installed here'

skipIf(lab, noAnsible)('ansible -i uses the inventory unchanged', async () => {
  const out = await $({ nothrow: true, env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True' } })`ansible -i ${fleet.inventory} hypervisors -m ping -o`
  assert.is(out.exitCode, 0, out.stdout + out.stderr)
  for (const host of fleet.hosts) assert.match(out.stdout, `${host.name} | SUCCESS`)
})

lab('a second lab on the same network is refused, naming the interface, and creates nothing', async () => {
  const other = { name: 'other', net: NET, dir: '/tmp/kvmplay-other' }
  try {
    await labUp(1, other)
    assert.unreachable('should have been refused')
  } catch (e) {
    assert.match((e as Error).message, `${NET}.1.1 (the gateway of h1) is already on kv${TEST_LAB.name}-h1`)
  }
  assert.not.ok(existsSync('/run/netns/kvmplay-other-h1'))
  assert.not.ok(existsSync(other.dir))
})

lab('up again is idempotent: every healthy host is kept as it is', async () => {
  const before = await labStatus(TEST_LAB)
  const again = await labUp(3, TEST_LAB)
  assert.equal(again.hosts.map((h) => h.action), ['kept', 'kept', 'kept'])
  const after = await labStatus(TEST_LAB)
  assert.equal(after.hosts.map((h) => h.pid), before.hosts.map((h) => h.pid))
})

lab('up repairs a partly built fleet: a dead host is rebuilt, the others are kept', async () => {
  const h2 = fleet.hosts[1]
  await powerOff(testLab(), h2)
  const broken = await labStatus(TEST_LAB)
  assert.is(broken.hosts[1].state, 'broken')
  const repaired = await labUp(3, TEST_LAB)
  assert.equal(repaired.hosts.map((h) => h.action), ['kept', 'rebuilt', 'kept'])
  assert.is((await onHost(h2, 'hostname')).trim(), 'h2')
  assert.match(await onHost(h2, 'virsh net-list'), /default\s+active/)
})

lab('up N after a larger fleet removes the extra hosts', async () => {
  const res = await labUp(2, TEST_LAB)
  assert.equal(res.removed, ['h3'])
  assert.not.ok(existsSync(`/run/netns/${fleet.hosts[2].netns}`))
  await labUp(3, TEST_LAB)
})

lab('down leaves no namespace, veth, process, mount or file of the lab', async () => {
  const pids = (await Promise.all(fleet.hosts.map((h) => netnsPids(h.netns)))).flat()
  assert.ok(pids.length >= 3 * 5, `expected the hosts' processes, got ${pids.length}`)
  const dir = labPaths(TEST_LAB.dir).hosts
  await labDown(TEST_LAB)
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : []
  assert.equal(netns.filter((n) => n.startsWith(`kvmplay-${TEST_LAB.name}-`)), [])
  assert.equal(readdirSync('/sys/class/net').filter((n) => n.startsWith(`kv${TEST_LAB.name}-`)), [])
  // A zombie has ended: it only waits for the machine's PID 1 to reap it (a host's nsenter is its child).
  assert.equal(pids.filter(processRuns), [])
  const mounts = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        return readFileSync(`/proc/${p}/mountinfo`, 'utf8').split('\n').filter((l) => l.includes(dir))
      } catch {
        return []
      }
    })
  assert.equal(mounts, [])
  assert.not.ok(existsSync(TEST_LAB.dir))
})

lab.run()
