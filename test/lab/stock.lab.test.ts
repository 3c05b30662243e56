/**
 * Lab hosts as Debian ships them: sshd with the openssh-server package's own
 * sshd_config and PAM, three host keys of each host's own, libvirtd with
 * libvirt-daemon-system's libvirtd.conf and polkit, a system D-Bus that starts
 * polkitd when a user of group libvirt connects; the lab's own drop-in and
 * nothing else; and hosts whose guests are all shut off.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from 'zx'
import { labDown, labReboot, labStatus } from '../../src/lab/lab.ts'
import { netnsPids } from '../../src/lab/host.ts'
import { labPaths } from '../../src/lab/state.ts'
import { stockLibvirtTree } from '../../src/lab/stock.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labTest, onHost, useLab } from '../helpers/lab.ts'

const s = suite('lab hosts as Debian ships them')
const it = labTest(s)
const figures: string[] = []

/** `sshd -T` on the host, as key → value (the first value of a repeated key). */
async function sshdSettings(host: HostPlan, context = ''): Promise<Map<string, string>> {
  const out = await onHost(host, `sshd -T ${context}`)
  const settings = new Map<string, string>()
  for (const line of out.split('\n')) {
    const [key, ...rest] = line.split(' ')
    if (key && !settings.has(key)) settings.set(key, rest.join(' '))
  }
  return settings
}

/** As the lab's users log in: the lab key, the lab's known_hosts, strict. */
const asUser = (user: string, host: HostPlan, command: string) => {
  const { key, knownHosts } = labPaths(TEST_LAB.dir)
  return $({ nothrow: true })`ssh -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHosts} ${`${user}@${host.address}`} ${command}`
}

/** RSS and PSS of the host's processes named `comm`, in KiB (PSS counts the shared pages once for the whole machine). */
async function memoryOf(host: HostPlan, comm: string): Promise<{ rss: number; pss: number } | undefined> {
  for (const pid of await netnsPids(host.netns)) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== comm) continue
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      return { rss: Number(/^Rss:\s+(\d+)/m.exec(text)?.[1]), pss: Number(/^Pss:\s+(\d+)/m.exec(text)?.[1]) }
    } catch {
      // gone meanwhile
    }
  }
  return undefined
}

let hosts: HostPlan[] = []

s.before(async () => {
  if (process.getuid?.() !== 0) return
  await labDown(TEST_LAB)
  hosts = (await useLab(2, 'none')).hosts
})
s.after(async () => {
  if (process.getuid?.() !== 0) return
  await labDown(TEST_LAB)
  if (figures.length) console.log(`\n  measured:\n${figures.map((f) => `    ${f}`).join('\n')}`)
})

it("sshd reads the machine's own sshd_config, as openssh-server installs it, with Debian's defaults: PAM, MaxStartups 10:30:100, MaxSessions 10", async () => {
  const [h1] = hosts
  const shipped = readFileSync('/usr/share/openssh/sshd_config', 'utf8')
  assert.is(readFileSync('/etc/ssh/sshd_config', 'utf8'), shipped, "this machine's own sshd_config is not the package's: the lab hosts would not be stock")
  assert.is(await onHost(h1, 'cat /etc/ssh/sshd_config'), shipped)
  assert.is(await onHost(h1, 'cat /etc/pam.d/sshd'), readFileSync('/etc/pam.d/sshd', 'utf8'))
  const t = await sshdSettings(h1)
  assert.is(t.get('usepam'), 'yes')
  assert.is(t.get('maxstartups'), '10:30:100')
  assert.is(t.get('maxsessions'), '10')
  assert.is(t.get('x11forwarding'), 'yes')
  assert.is(t.get('kbdinteractiveauthentication'), 'no')
  assert.is(t.get('permitrootlogin'), 'without-password')
  // The lab's drop-in says nothing while root may log in on 22.
  assert.equal((await onHost(h1, "grep -v '^#' /etc/ssh/sshd_config.d/kvmplay-lab.conf | grep -v '^$' || true")).trim(), '')
  assert.equal((await onHost(h1, 'ls /etc/ssh/sshd_config.d')).trim().split('\n'), ['kvmplay-lab.conf'])
})

it("each host has rsa (3072), ecdsa and ed25519 host keys of its own at the default paths; known_hosts has all three for both ports, as ssh-keyscan gives them", async () => {
  const seen = new Set<string>()
  const known = readFileSync(labPaths(TEST_LAB.dir).knownHosts, 'utf8')
  for (const host of hosts) {
    const bits = await onHost(host, 'for t in rsa ecdsa ed25519; do ssh-keygen -l -f /etc/ssh/ssh_host_${t}_key.pub; done')
    assert.match(bits, /^3072 .*\(RSA\)$/m)
    assert.match(bits, /^256 .*\(ECDSA\)$/m)
    assert.match(bits, /^256 .*\(ED25519\)$/m)
    const scanned = (await $`ssh-keyscan -T 5 -t rsa,ecdsa,ed25519 ${host.address}`).stdout.trim().split('\n')
    assert.is(scanned.length, 3)
    for (const line of scanned) {
      const key = line.split(' ').slice(1).join(' ')
      assert.ok(known.includes(`${host.address} ${key}\n`), `${host.name}: ${key.slice(0, 30)}… in known_hosts for port 22`)
      assert.ok(known.includes(`[${host.address}]:2222 ${key}\n`), `${host.name}: for port 2222`)
      assert.not.ok(seen.has(key), 'a key of its own')
      assert.not.ok(readFileSync('/etc/ssh/ssh_host_rsa_key.pub', 'utf8').includes(key.split(' ')[1]), "not the machine's")
      seen.add(key)
    }
  }
})

it("libvirtd reads libvirt-daemon-system's libvirtd.conf as shipped (no line uncommented); its polkit rule lets group libvirt in, anyone else is refused", async () => {
  const [h1] = hosts
  const tree = await stockLibvirtTree()
  assert.is(await onHost(h1, 'cat /etc/libvirt/libvirtd.conf'), readFileSync(join(tree, 'etc/libvirt/libvirtd.conf'), 'utf8'))
  assert.is((await onHost(h1, "grep -v '^\\s*#' /etc/libvirt/libvirtd.conf | grep -v '^\\s*$' | wc -l")).trim(), '0')
  assert.is(await onHost(h1, 'cat /usr/share/polkit-1/rules.d/60-libvirt.rules'), readFileSync(join(tree, 'usr/share/polkit-1/rules.d/60-libvirt.rules'), 'utf8'))
  // As the rules directory is on the machine: polkitd's, closed to others.
  assert.is((await onHost(h1, 'stat -c "%a %U" /usr/share/polkit-1/rules.d')).trim(), '700 polkitd')
  // libvirt's defaults with polkit: both sockets open to all, the check is polkit's.
  assert.match(await onHost(h1, 'stat -c "%a %U:%G %n" /run/libvirt/libvirt-sock'), /^777 root:root /)
  assert.not.ok((await onHost(h1, 'ps -e -o comm=')).split('\n').includes('polkitd'), 'polkitd starts on demand only')

  const virt = await asUser('kvvirt', h1, 'virsh -c qemu:///system list --all')
  assert.is(virt.exitCode, 0, virt.stderr)
  assert.match(virt.stdout, /\bvm1\s+running/)
  assert.ok((await onHost(h1, 'ps -e -o comm=')).split('\n').includes('polkitd'), 'the system bus started polkitd for it')
  const refused = await asUser('kvnosudo', h1, 'virsh -c qemu:///system list --all')
  assert.is.not(refused.exitCode, 0)
  assert.match(refused.stderr, /authentication unavailable: no polkit agent available to authenticate action 'org\.libvirt\.unix\.manage'/)
  // Root needs no polkit: libvirtd lets uid 0 through.
  assert.match(await onHost(h1, 'virsh list --all'), /\bvm1\s+running/)

  const dbus = await memoryOf(h1, 'dbus-daemon')
  const polkitd = await memoryOf(h1, 'polkitd')
  assert.ok(dbus && polkitd)
  const mib = (k: number) => (k / 1024).toFixed(1)
  figures.push(`dbus-daemon RSS ${mib(dbus.rss)} MiB, PSS ${mib(dbus.pss)} MiB; polkitd (once activated) RSS ${mib(polkitd.rss)} MiB, PSS ${mib(polkitd.pss)} MiB`)
})

it('each full host has a system D-Bus and a machine-id of its own', async () => {
  const ids = new Set<string>()
  for (const host of hosts) {
    assert.ok((await onHost(host, 'ps -e -o comm=')).split('\n').includes('dbus-daemon'))
    assert.match(await onHost(host, 'ls -l /run/dbus/system_bus_socket'), /^s/)
    ids.add((await onHost(host, 'cat /etc/machine-id')).trim())
  }
  ids.add(readFileSync('/etc/machine-id', 'utf8').trim())
  assert.is(ids.size, hosts.length + 1)
})

it('--login: the drop-in closes port 22 to root and opens 2222 to root alone, read by the running sshd (kept host, its pid file HUPed); back to root again', async () => {
  const [h1] = hosts
  const pid = (await labStatus(TEST_LAB)).hosts[0].pid
  await useLab(2, 'none', false, { login: 'sudo' })
  assert.is((await labStatus(TEST_LAB)).hosts[0].pid, pid, 'kept, not rebuilt')
  const dropIn = await onHost(h1, "grep -v '^#' /etc/ssh/sshd_config.d/kvmplay-lab.conf")
  assert.equal(dropIn.trim().split('\n').map((l) => l.trim()), ['PermitRootLogin no', 'Port 22', 'Port 2222', 'Match LocalPort 2222', 'PermitRootLogin prohibit-password', 'AllowUsers root'])
  const t = await sshdSettings(h1, `-C lport=22,user=root,host=x,addr=${TEST_LAB.net}.0.1`)
  assert.is(t.get('permitrootlogin'), 'no')
  assert.is(t.get('usepam'), 'yes')
  assert.is(t.get('maxstartups'), '10:30:100')
  assert.is((await asUser('root', h1, 'true')).exitCode, 255, 'root refused on 22')
  assert.match((await asUser('kvsudo', h1, 'id -un')).stdout, /^kvsudo$/m)

  await useLab(2, 'none')
  assert.is((await asUser('root', h1, 'hostname')).stdout.trim(), 'h1', 'root on 22 again')
})

it('host keys stay across up of a kept host and across a reboot: known_hosts stays valid', async () => {
  const [h1] = hosts
  const keys = await onHost(h1, 'cat /etc/ssh/ssh_host_*_key.pub')
  const known = readFileSync(labPaths(TEST_LAB.dir).knownHosts, 'utf8')
  await useLab(2, 'none')
  const r = await labReboot(['h1'], TEST_LAB)
  assert.ok(r.hosts[0].ok, r.hosts[0].error)
  assert.is(await onHost(h1, 'cat /etc/ssh/ssh_host_*_key.pub'), keys)
  assert.is(readFileSync(labPaths(TEST_LAB.dir).knownHosts, 'utf8'), known)
})

it('--no-running-guests: vm1 and vm2 defined, shut off, not autostarted, and still after a reboot; the choice rebuilds, and is kept', async () => {
  const up = await useLab(2, 'none', false, { runningGuests: false })
  assert.equal(up.hosts.map((h) => h.name), ['h1', 'h2'])
  const status = await labStatus(TEST_LAB)
  assert.equal(status.hosts.map((h) => h.guestsStopped), [true, true])
  const [h1] = up.hosts
  const list = await onHost(h1, 'virsh list --all')
  assert.match(list, /\bvm1\s+shut off/)
  assert.match(list, /\bvm2\s+shut off/)
  assert.is((await onHost(h1, 'virsh list --all --autostart --name')).trim(), '')
  assert.not.ok((await onHost(h1, 'ps -e -o comm=')).split('\n').includes('qemu-system-x86'))
  const r = await labReboot(['h1'], TEST_LAB)
  assert.ok(r.hosts[0].ok, r.hosts[0].error)
  assert.match(await onHost(h1, 'virsh list --all'), /\bvm1\s+shut off/)
  assert.match(await onHost(h1, 'virsh net-list'), /^\s*default\s+active\s+yes/m)
  try {
    await useLab(2, 'none', false, { runningGuests: false, guests: 'lease' })
    assert.unreachable('refused')
  } catch (e) {
    assert.match((e as Error).message, /^invalid --no-running-guests with --guests lease/)
  }
  const back = await useLab(2, 'none')
  assert.equal(back.hosts.map((h) => h.name), ['h1', 'h2'])
  assert.match(await onHost(h1, 'virsh list --all'), /\bvm1\s+running/)
})

s.run()
