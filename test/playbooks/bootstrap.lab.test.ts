/**
 * playbooks/bootstrap-hypervisor.play.ts on a bare Debian 12 host (profile
 * bare-debian: its own root and dpkg database, systemd as PID 1, packages
 * only from the lab's local repository): --check says the changes and makes
 * none; the run makes a KVM host, checked with the host's own tools; a power
 * cycle, after which systemd brings it all back from its own units and
 * files; a second run changes nothing. The run times are printed at the end.
 * This machine's kernel loads no modules, so vhost_net and br_netfilter are
 * only written for the next boot, and the net.bridge.* keys do not exist:
 * the checks say so instead of pretending.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { labDown, labReboot } from '../../src/lab/lab.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, onHost, onHostStatus, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { skipIf } from '../helpers/skip.ts'

const s = suite('lab: bootstrap a bare host into a hypervisor')
const missing = labSkipReason ? [] : missingPackages(undefined, ['bare-debian'])
const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
const it = skipIf(s, skip)

const PLAY = fileURLToPath(new URL('../../playbooks/bootstrap-hypervisor.play.ts', import.meta.url))
const figures: string[] = []
let host: HostPlan
let inventory: string

const timed = (...args: string[]) => {
  const started = performance.now()
  const res = kvmplay(['run', PLAY, '-i', inventory, '--json', ...args])
  return { ...res, seconds: (performance.now() - started) / 1000 }
}

/** Everything the bootstrap would change, read on the host. */
const fingerprint = () =>
  onHost(
    host,
    'dpkg -l | md5sum; ls /etc/network /etc/network/interfaces.d /etc/modules-load.d /etc/sysctl.d; cat /etc/network/interfaces /etc/network/interfaces.d/* 2>/dev/null | md5sum; ' +
      'getent passwd admin; getent group libvirt; ip -br addr; systemctl is-enabled libvirtd 2>&1; ls /var/lib/libvirt 2>&1; true',
  )

/** The ready hypervisor, as the host's own tools see it. */
async function assertHypervisor(when: string) {
  assert.match(await onHost(host, 'dpkg -s libvirt-daemon-system qemu-system-x86 qemu-utils libvirt-clients bridge-utils'), /^Status: install ok installed$/m, when)
  const listed = (await onHost(host, 'dpkg -l libvirt-daemon-system qemu-system-x86 qemu-utils libvirt-clients bridge-utils | tail -n +6')).trim()
  assert.not.match(listed, /^(?!ii)/m, `${when}: every package ii:\n${listed}`)
  assert.is((await onHost(host, 'systemctl is-enabled libvirtd; systemctl is-active libvirtd')).trim(), 'enabled\nactive', when)
  assert.match(await onHost(host, 'id admin'), /\(libvirt\)/, `${when}: admin in libvirt`)
  assert.is((await onHost(host, 'cat /etc/modules-load.d/vhost_net.conf /etc/modules-load.d/br_netfilter.conf | grep -v "^#"')).trim(), 'vhost_net\nbr_netfilter', when)
  const sysctlFile = await onHost(host, 'cat /etc/sysctl.d/90-kvmplay-bridge.conf')
  for (const t of ['iptables', 'ip6tables', 'arptables']) assert.match(sysctlFile, `net.bridge.bridge-nf-call-${t} = 0`, when)
  // Where br_netfilter is loaded (a real kernel) the running values are 0 too; this kernel has none.
  const running = await onHostStatus(host, 'sysctl -n net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.bridge.bridge-nf-call-arptables')
  if (running.code === 0) assert.is(running.out.trim(), '0\n0\n0', when)
  else assert.match(running.out, /cannot stat|No such file/, `${when}: ${running.out}`)
  assert.match(await onHost(host, 'virsh -c qemu:///system pool-list --all'), /^\s*default\s+active\s+yes/m, when)
  assert.is((await onHost(host, 'virsh -c qemu:///system pool-dumpxml default | grep -o "<path>.*</path>"')).trim(), '<path>/var/lib/libvirt/images</path>', when)
  const nets = await onHost(host, 'virsh -c qemu:///system net-list --all')
  assert.match(nets, /^\s*br0\s+active\s+yes/m, when)
  assert.not.match(nets, /^\s*default\s/m, `${when}: NAT default removed (keep_default unset)`)
  const links = await onHost(host, 'ip -br addr show br0; ip -br link show master br0')
  assert.match(links, new RegExp(`^br0\\s+UP\\s+${host.address.replace(/\./g, '\\.')}/${host.prefix}`, 'm'), `${when}: ${links}`)
  assert.match(links, /^eth0[@\s]/m, `${when}: eth0 is br0's port: ${links}`)
  assert.is((await onHost(host, 'ip -4 route show default')).trim(), `default via ${host.gateway} dev br0 onlink`, when)
}

it('--check on the bare host says every change and changes nothing', async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(1, 'bare-debian')
  host = lab.hosts[0]
  inventory = lab.inventory
  const before = await fingerprint()
  const res = timed('--check')
  assert.is(res.code, 0, res.out + res.err)
  const changed = recapOf(res.out).hosts.h1.changed
  assert.ok(changed >= 10, `--check reports the bootstrap's changes (${changed}): ${res.out}`)
  assert.is(await fingerprint(), before, '--check changed nothing')
  figures.push(`--check ${res.seconds.toFixed(1)} s (${changed} changed)`)
})

it('the run makes a hypervisor, checked with the host\'s own tools', async () => {
  const res = timed()
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h1.failed, 0)
  figures.push(`first run ${res.seconds.toFixed(1)} s (${recapOf(res.out).hosts.h1.changed} changed)`)
  await assertHypervisor('after the run')
})

it('after a power cycle systemd brings it all back from its own units', async () => {
  const { hosts } = await labReboot(['h1'], TEST_LAB)
  assert.ok(hosts[0].ok, hosts[0].error)
  await assertHypervisor('after lab reboot')
})

it('a second run changes nothing', async () => {
  const res = timed()
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h1.changed, 0, res.out)
  figures.push(`second run ${res.seconds.toFixed(1)} s (0 changed)`)
})

s.after(async () => {
  if (figures.length) console.log(`\n  bootstrap on bare-debian, measured:\n${figures.map((f) => `    ${f}`).join('\n')}`)
  if (!skip) await labDown(TEST_LAB)
})

s.run()
