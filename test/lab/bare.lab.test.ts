/**
 * A bare host (profile bare-debian) on the real machine: its own Debian root
 * and dpkg database, systemd as PID 1, sshd from its own openssh-server, no
 * qemu or libvirt, the lab's local repository as its only package source; the
 * same after `lab reboot` (a power cycle) and after a `systemctl reboot` inside
 * (nspawn's exit 133, the boot script's outer loop); the bootstrap's packages install
 * from the repository for real; and `lab down` leaves no
 * process, mount, namespace or cgroup of it.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { $ } from 'zx'
import { labDown, labReboot } from '../../src/lab/lab.ts'
import { hostMemoryKiB } from '../../src/lab/host.ts'
import { hostPaths } from '../../src/lab/state.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import { bareCgroup } from '../../src/lab/bare.ts'
import { REPO_IN_HOST } from '../../src/lab/bare-root.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, onHost, onHostStatus, testLab, useLab } from '../helpers/lab.ts'
import { skipIf } from '../helpers/skip.ts'

const s = suite('lab: a bare host')
const missing = labSkipReason ? [] : missingPackages(undefined, ['bare-debian'])
const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
const it = skipIf(s, skip)

/** Figures for the report, printed at the end. */
const figures: string[] = []

/** The last boot's time to systemd's verdict, as bare-boot.sh logged it. */
function bootMs(host: HostPlan): string {
  const log = readFileSync(hostPaths(testLab().dir, host.name).log, 'utf8')
  return [...log.matchAll(/system \w+ (\d+) ms after nspawn started/g)].pop()?.[1] ?? '?'
}

/** What makes it a bare Debian host, checked with the system's own tools. */
async function assertBare(host: HostPlan, when: string) {
  const state = (await onHostStatus(host, 'systemctl is-system-running')).out.trim()
  const failed = (await onHost(host, 'systemctl --failed --plain --no-legend')).trim()
  assert.ok(state === 'running' || state === 'degraded', `${when}: system ${state}`)
  if (state === 'degraded') console.log(`  ${host.name} ${when}: degraded, failed units:\n${failed}`)
  assert.is((await onHost(host, 'ps -p 1 -o comm=')).trim(), 'systemd', `${when}: systemd is PID 1`)
  assert.is((await onHost(host, 'systemctl is-active ssh networking')).trim(), 'active\nactive')
  assert.match(await onHost(host, 'dpkg -s openssh-server'), /^Status: install ok installed$/m)
  const libvirt = await onHostStatus(host, 'dpkg -s libvirt-daemon-system')
  assert.is.not(libvirt.code, 0, `${when}: libvirt-daemon-system is not installed on a bare host`)
  assert.match(libvirt.out, /is not installed/)
  assert.is((await onHost(host, 'command -v qemu-system-x86_64 virsh libvirtd || echo none')).trim(), 'none')
  // Its own /usr: the machine's has qemu and libvirt, this one not.
  assert.is.not((await onHost(host, 'dpkg -l | wc -l')).trim(), (await $`dpkg -l | wc -l`).stdout.trim())
  // The only route leads to the lab's root side; the only package source is the local repository.
  assert.is((await onHost(host, 'ip -4 route show default')).trim(), `default via ${host.gateway} dev eth0 onlink`)
  assert.is((await onHost(host, 'cat /etc/apt/sources.list; ls /etc/apt/sources.list.d')).trim(), `deb [trusted=yes] file:${REPO_IN_HOST} ./`)
  const update = await onHost(host, 'apt-get update 2>&1')
  // (apt probes a flat repository for translations it has not, "Err: … Translation-en", and goes on: no warning, no error.)
  assert.not.match(update, /^(W|E):/m, update)
  const sim = await onHost(host, 'apt-get install --simulate -q libvirt-daemon-system qemu-system-x86 libvirt-clients bridge-utils 2>&1')
  for (const pkg of ['libvirt-daemon-system', 'qemu-system-x86', 'libvirt-clients', 'bridge-utils']) assert.match(sim, new RegExp(`^Inst ${pkg} `, 'm'), sim)
  // Read-only: a host cannot change what every bare host installs from.
  assert.match((await onHostStatus(host, `touch ${REPO_IN_HOST}/x`)).out, /Read-only file system/)
}

it('comes up bare from the cached root, with systemd as PID 1, and installs from the local repository only', async () => {
  await labDown(TEST_LAB)
  const up = await useLab(1, 'bare-debian')
  const [host] = up.hosts
  figures.push(`up ${up.seconds.toFixed(1)} s (systemd: ${bootMs(host)} ms to its verdict)`)
  await assertBare(host, 'after lab up')
  const mem = await hostMemoryKiB(host)
  figures.push(`RSS ${(mem.rss / 1024).toFixed(1)} MiB, PSS ${(mem.pss / 1024).toFixed(1)} MiB`)
})

it('lab reboot: a power cycle, and it boots again from its persisted files', async () => {
  const [host] = (await useLab(1, 'bare-debian')).hosts
  const key = await onHost(host, 'cat /etc/ssh/ssh_host_ed25519_key.pub')
  await onHost(host, 'touch /run/kvmplay-marker /root/kept')
  const { hosts } = await labReboot(['h1'], TEST_LAB)
  assert.ok(hosts[0].ok, hosts[0].error)
  figures.push(`lab reboot ${hosts[0].seconds.toFixed(1)} s (systemd: ${bootMs(host)} ms)`)
  assert.is(await onHost(host, 'cat /etc/ssh/ssh_host_ed25519_key.pub'), key)
  assert.is((await onHost(host, 'test -e /run/kvmplay-marker && echo kept || echo gone; test -e /root/kept && echo kept')).trim(), 'gone\nkept')
  await assertBare(host, 'after lab reboot')
})

it('systemctl reboot inside: nspawn exits 133 and the host boots again', async () => {
  const [host] = (await useLab(1, 'bare-debian')).hosts
  const bootId = (await onHost(host, 'cat /proc/sys/kernel/random/boot_id; ps -p 1 -o lstart=')).trim()
  await onHostStatus(host, 'systemctl reboot')
  const started = performance.now()
  let back = ''
  while (performance.now() - started < 60_000) {
    back = (await onHostStatus(host, 'systemctl is-system-running; ps -p 1 -o lstart=')).out.trim()
    if (/^(running|degraded)\n/.test(back) && !back.endsWith(bootId.split('\n')[1])) break
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.match(back, /^(running|degraded)\n/)
  assert.match(readFileSync(hostPaths(testLab().dir, host.name).log, 'utf8'), /rebooting \(nspawn exit 133\)/)
  figures.push(`systemctl reboot inside: back in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  await assertBare(host, 'after systemctl reboot')
})

// Last before down: after it the host is no longer bare.
it('the repository is complete: the bootstrap\'s packages install for real, and systemd starts libvirtd', async () => {
  const [host] = (await useLab(1, 'bare-debian')).hosts
  const started = performance.now()
  const install = await onHostStatus(
    host,
    'apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-system-x86 libvirt-daemon-system libvirt-clients bridge-utils 2>&1 | tail -n 5',
  )
  assert.is(install.code, 0, install.out)
  figures.push(`apt-get install of the bootstrap's packages: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  assert.is((await onHost(host, 'systemctl is-enabled libvirtd; systemctl is-active libvirtd')).trim(), 'enabled\nactive')
  assert.match(await onHost(host, 'virsh -c qemu:///system list --all'), /Id\s+Name\s+State/)
})

it('lab down leaves no process, mount, namespace or cgroup of it', async () => {
  const lab = testLab()
  const [host] = (await useLab(1, 'bare-debian')).hosts
  await labDown(TEST_LAB)
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p))
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return ''
    }
  }
  // The test's own ancestors may name the lab's directory (a runner given KVMPLAY_TEST_LAB_DIR on its command line).
  const ancestors = new Set<string>()
  for (let p = String(process.pid); p && p !== '0' && !ancestors.has(p); p = read(`/proc/${p}/stat`).replace(/^.*\) \S+ /, '').split(' ')[0]) ancestors.add(p)
  const procs = pids.filter((p) => !ancestors.has(p) && read(`/proc/${p}/cmdline`).includes(lab.dir))
  assert.equal(procs, [], `processes left: ${procs.map((p) => read(`/proc/${p}/cmdline`).replace(/\0/g, ' ')).join('; ')}`)
  const mounts = pids.filter((p) => /kvmplay-bare|kvmplay-lab-repo/.test(read(`/proc/${p}/mountinfo`)) && read(`/proc/${p}/mountinfo`).includes(lab.dir))
  assert.equal(mounts, [], 'no process sees a mount of the host')
  assert.not.ok(existsSync(`/run/netns/${host.netns}`), 'its network namespace is gone')
  for (const h of ['/sys/fs/cgroup', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']) {
    assert.not.ok(existsSync(`${h}/${bareCgroup(lab, host.name)}`), `its cgroup in ${h} is gone`)
  }
  assert.not.ok(existsSync(lab.dir), 'its files are gone')
})

s.after(async () => {
  if (!skip) await labDown(TEST_LAB)
  if (figures.length) console.log(`\n  bare-debian, measured:\n${figures.map((f) => `    ${f}`).join('\n')}`)
})

s.run()
