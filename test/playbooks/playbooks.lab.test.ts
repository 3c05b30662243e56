/**
 * The seed's playbooks on fresh lab hosts: bridge (h1), NAT with leases (h2),
 * the NAT-to-bridge migration (h3). Every end state is read from the host:
 * ifcfg files, `ip -j`, `virsh net-dumpxml`, `virsh net-list`, `virsh dumpxml`,
 * sysctl.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import { TEST_LAB, onHost, useLab } from '../helpers/lab.ts'
/** The test lab's network (198.19 unless KVMPLAY_TEST_LAB_NET says otherwise). */
const NET = TEST_LAB.net
import { kvmplay, recapOf, FIXTURES } from '../helpers/cli.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const pb = suite('playbooks')
const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url))
const BRIDGE = join(PLAYBOOKS, 'bridge.play.ts')
const NAT = join(PLAYBOOKS, 'nat.play.ts')
const MIGRATE = join(PLAYBOOKS, 'migrate-nat-to-bridge.play.ts')
let hosts: HostPlan[]
let inventory: string

const json = async (h: HostPlan, cmd: string) => JSON.parse(await onHost(h, cmd))
/**
 * All that the playbooks touch, as one string. Not the links' carrier (UP/DOWN,
 * `linkdown`): virbr0 gets one by itself when the guest's tap comes up, which a
 * slow machine may still be doing when the lab reports ready.
 */
const fingerprint = (h: HostPlan) =>
  onHost(
    h,
    "ip -br addr | awk '{ $2 = \"\"; print }'; ip route | sed 's/ linkdown//'; " +
      'virsh net-list --all; for n in $(virsh -q net-list --all --name); do virsh net-dumpxml --inactive $n; done; ' +
      'for d in vm1 vm2; do virsh dumpxml --inactive $d | grep -A6 "<interface"; done; virsh domiflist vm1; ' +
      'cat /etc/sysconfig/network-scripts/ifcfg-* /etc/sysctl.conf | md5sum; cat /proc/sys/net/ipv4/ip_forward',
  )
const run = (playbook: string, ...args: string[]) => kvmplay(['run', playbook, '-i', inventory, ...args])
const expectNoChange = (res: ReturnType<typeof run>, names: string[]) => {
  assert.is(res.code, 0, res.out + res.err)
  const recap = recapOf(res.out)
  for (const n of names) assert.is(recap.hosts[n].changed, 0, `${n}: ${JSON.stringify(recap.hosts[n])}`)
}

pb.before(async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(3)
  hosts = lab.hosts
  inventory = lab.inventory
})

pb('--check on fresh hosts reports every change of the migration and changes nothing', async () => {
  const before = await Promise.all(hosts.map(fingerprint))
  const res = run(MIGRATE, '--check', '--json')
  assert.is(res.code, 0, res.out + res.err)
  const events = res.out.trim().split('\n').map((l) => JSON.parse(l))
  const h1 = events.filter((e) => e.type === 'task' && e.host === 'h1')
  // The guests' NAT identity is recorded first, their addresses on br0 last: both ok, nothing to change.
  assert.equal(h1.map((e) => e.status), ['ok', 'changed', 'changed', 'changed', 'changed', 'changed', 'skipped', 'ok'])
  assert.match(h1[6].reason, 'still used by vm1 (running), vm2')
  assert.match(h1[0].reason, '2 guest NIC(s) on default: vm1 no address known (no lease, static entry or neighbour entry), vm2 no address known')
  assert.equal(await Promise.all(hosts.map(fingerprint)), before)
})

pb('--diff shows the ifcfg and XML diffs', async () => {
  const res = run(MIGRATE, '--check', '--diff', '-l', 'h1')
  assert.match(res.out, '+++ /etc/sysconfig/network-scripts/ifcfg-br0 (after)')
  assert.match(res.out, '+TYPE=Bridge')
  assert.match(res.out, `+IPADDR=${NET}.1.2`)
  assert.match(res.out, `-IPADDR=${NET}.1.2`) // leaves ifcfg-eth0
  assert.match(res.out, '+BRIDGE=br0')
  assert.match(res.out, "+  <forward mode='bridge'/>")
  assert.match(res.out, '-  <source network="default"/>\n+  <source bridge="br0"/>')
})

pb('bridge.play.ts: br0 over eth0 keeping the address, in ifcfg and live; libvirt network br0', async () => {
  const [h1] = hosts
  const res = run(BRIDGE, '-l', 'h1')
  assert.is(res.code, 0, res.out + res.err)
  const br = await onHost(h1, 'cat /etc/sysconfig/network-scripts/ifcfg-br0')
  for (const line of ['DEVICE=br0', 'TYPE=Bridge', `IPADDR=${NET}.1.2`, 'PREFIX=24', `GATEWAY=${NET}.1.1`, `DNS1=${NET}.1.1`, 'ONBOOT=yes']) assert.match(br, `\n${line}\n`)
  const port = await onHost(h1, 'cat /etc/sysconfig/network-scripts/ifcfg-eth0')
  for (const line of ['DEVICE=eth0', 'BRIDGE=br0', `HWADDR=${h1.mac}`, 'BOOTPROTO=none']) assert.match(port, `\n${line}\n`)
  assert.not.match(port, 'IPADDR')
  const links = await json(h1, 'ip -j -d link show')
  const brLink = links.find((l: { ifname: string }) => l.ifname === 'br0')
  assert.is(brLink.linkinfo.info_kind, 'bridge')
  assert.is(links.find((l: { ifname: string }) => l.ifname === 'eth0').master, 'br0')
  const addrs = await json(h1, 'ip -j addr show')
  const inet = (name: string) => addrs.find((a: { ifname: string }) => a.ifname === name).addr_info.filter((i: { family: string }) => i.family === 'inet').map((i: { local: string }) => i.local)
  assert.equal(inet('br0'), [`${NET}.1.2`])
  assert.equal(inet('eth0'), [])
  assert.equal((await json(h1, 'ip -j route show default'))[0], { dst: 'default', gateway: `${NET}.1.1`, dev: 'br0', flags: [] })
  assert.match(await onHost(h1, 'virsh net-list --all'), /^\s*br0\s+active\s+yes\s+yes\s*$/m)
  assert.match(await onHost(h1, 'virsh net-dumpxml br0'), "<forward mode='bridge'/>")
  expectNoChange(run(BRIDGE, '-l', 'h1', '--json'), ['h1'])
})

pb('nat.play.ts: default NAT with a static lease per guest MAC, and IP forwarding', async () => {
  const h2 = hosts[1]
  const res = run(NAT, '-l', 'h2')
  assert.is(res.code, 0, res.out + res.err)
  const xml = await onHost(h2, 'virsh net-dumpxml --inactive default')
  assert.match(xml, `<host mac='${h2.domains[0].mac}' name='vm1' ip='192.168.122.10'/>`)
  assert.match(xml, `<host mac='${h2.domains[1].mac}' name='vm2' ip='192.168.122.11'/>`)
  assert.match(await onHost(h2, 'virsh net-dumpxml default'), "ip='192.168.122.11'") // live too
  assert.is((await onHost(h2, 'sysctl -n net.ipv4.ip_forward')).trim(), '1')
  assert.match(await onHost(h2, 'cat /etc/sysctl.conf'), /^net\.ipv4\.ip_forward = 1$/m)
  expectNoChange(run(NAT, '-l', 'h2', '--json'), ['h2'])
})

pb('defineNetwork adds a DHCP lease in place: the network is not restarted (virbr0 keeps its ifindex)', async () => {
  const h2 = hosts[1]
  const ifindex = async () => (await json(h2, 'ip -j link show virbr0'))[0].ifindex
  const before = await ifindex()
  const leases = [
    { mac: h2.domains[0].mac, name: 'vm1', ip: '192.168.122.10' },
    { mac: h2.domains[1].mac, name: 'vm2', ip: '192.168.122.11' },
    { mac: '52:54:00:aa:bb:cc', name: 'vm3', ip: '192.168.122.12' },
  ]
  const res = run(NAT, '-l', 'h2', '-e', JSON.stringify({ leases }), '-v')
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, 'add DHCP host 52:54:00:aa:bb:cc → 192.168.122.12 (vm3) in default')
  assert.not.match(res.out, 'restart')
  assert.is(await ifindex(), before)
  assert.match(await onHost(h2, 'virsh net-dumpxml default'), "<host mac='52:54:00:aa:bb:cc' name='vm3' ip='192.168.122.12'/>")
  assert.match(await onHost(h2, 'virsh net-dumpxml --inactive default'), "name='vm3'")
  expectNoChange(run(NAT, '-l', 'h2', '-e', JSON.stringify({ leases }), '--json'), ['h2'])
})

pb('defineNetwork redefines a changed DHCP range keeping the uuid, and restarts the running network, saying so', async () => {
  const h2 = hosts[1]
  const uuid = (await onHost(h2, 'virsh net-uuid default')).trim()
  const res = run(NAT, '-l', 'h2', '-e', 'dhcp_start=192.168.122.100 dhcp_end=192.168.122.200', '-v')
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, `redefine network default (same uuid ${uuid})`)
  assert.match(res.out, /restart network default to apply it \(guests on it lose their link: vm1 \(running\), vm2\)/)
  assert.is((await onHost(h2, 'virsh net-uuid default')).trim(), uuid)
  assert.match(await onHost(h2, 'virsh net-dumpxml default'), "<range start='192.168.122.100' end='192.168.122.200'/>")
  assert.match(await onHost(h2, 'virsh net-list'), /default\s+active/)
  expectNoChange(run(NAT, '-l', 'h2', '-e', 'dhcp_start=192.168.122.100 dhcp_end=192.168.122.200', '--json'), ['h2'])
})

pb('destroyDefaultNet refuses while a domain uses default, and names the domains', async () => {
  const h2 = hosts[1]
  const res = kvmplay(['run', join(FIXTURES, 'destroy-default.play.ts'), '-i', inventory, '-l', 'h2'])
  assert.is(res.code, 2, res.out + res.err)
  assert.match(res.out, 'network default is still used by vm1 (running), vm2')
  assert.match(await onHost(h2, 'virsh net-list --all'), /default\s+active/)
})

pb('a running guest that cannot be changed live is shut down within the bounded wait, or left as it was', async () => {
  const h2 = hosts[1]
  const before = await onHost(h2, 'virsh dumpxml --inactive vm1')
  const res = kvmplay(['run', join(FIXTURES, 'move-nowhere.play.ts'), '-i', inventory, '-l', 'h2'])
  assert.is(res.code, 2, res.out + res.err)
  assert.match(res.out, 'vm1 did not shut down within 2 s')
  assert.is(await onHost(h2, 'virsh dumpxml --inactive vm1'), before)
  await onHost(h2, 'virsh domstate vm1 | grep -q running || virsh start vm1')
})

pb("restart: 'never' and a live change libvirt refuses: the running guest is left alone, its persistent config moves, and the task says so", async () => {
  const h2 = hosts[1]
  const before = await onHost(h2, 'virsh dumpxml --inactive vm1')
  try {
    const res = kvmplay(['run', join(FIXTURES, 'move-nowhere-never.play.ts'), '-i', inventory, '-l', 'h2'])
    assert.is(res.code, 2, res.out + res.err)
    assert.match(res.out, 'vm1: persistent config moved to bridge nobr0, but the running guest could not be changed live')
    assert.match(res.out, "it moves at its next boot, or use restart: 'shutdown-edit-start'")
    assert.match(await onHost(h2, 'virsh domstate vm1'), 'running')
    assert.match(await onHost(h2, 'virsh domiflist vm1'), /network\s+default/)
    assert.match(await onHost(h2, 'virsh dumpxml --inactive vm1'), "<source bridge='nobr0'/>")
  } finally {
    await onHost(h2, `t=$(mktemp); cat > "$t" <<'KVMPLAY_EOF'\n${before}KVMPLAY_EOF\nvirsh define "$t" >/dev/null; rm -f "$t"`)
  }
  assert.is(await onHost(h2, 'virsh dumpxml --inactive vm1'), before)
})

pb('migrate-nat-to-bridge.play.ts: bridged host, every guest NIC on br0 with its MAC, model and PCI slot, default gone', async () => {
  const h3 = hosts[2]
  const xmlBefore = await Promise.all(['vm1', 'vm2'].map((d) => onHost(h3, `virsh dumpxml --inactive ${d}`)))
  const res = run(MIGRATE, '-l', 'h3')
  assert.is(res.code, 0, res.out + res.err)
  for (const [i, d] of h3.domains.entries()) {
    const xml = await onHost(h3, `virsh dumpxml --inactive ${d.name}`)
    assert.match(xml, `<interface type='bridge'>\n      <mac address='${d.mac}'/>\n      <source bridge='br0'/>`)
    assert.match(xml, `<model type='${d.model}'/>`)
    const pci = /<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'\/>/
    assert.match(xmlBefore[i], pci)
    assert.match(xml.slice(xml.indexOf('<interface')), pci)
  }
  // vm1 kept running and moved live: its tap is now a port of br0.
  assert.match(await onHost(h3, 'virsh domstate vm1'), 'running')
  assert.match(await onHost(h3, 'virsh domiflist vm1'), /vnet\d+\s+bridge\s+br0\s+virtio/)
  const vnet = (await json(h3, 'ip -j link show')).find((l: { ifname: string }) => l.ifname.startsWith('vnet'))
  assert.is(vnet.master, 'br0')
  assert.not.match(await onHost(h3, 'virsh net-list --all'), /\bdefault\b/)
  assert.is((await json(h3, 'ip -j addr show br0'))[0].addr_info.find((a: { family: string }) => a.family === 'inet').local, h3.address)
  expectNoChange(run(MIGRATE, '-l', 'h3', '--json'), ['h3'])
})

pb('a virbr0 left by a libvirtd stopped mid-change (its address, no port, no network holding it) is deleted before default starts; --check changes nothing; a second run changes nothing', async () => {
  const h3 = hosts[2]
  // What a libvirtd killed while it started or destroyed default leaves: libvirt then refuses "error creating bridge interface virbr0: File exists".
  await onHost(h3, 'ip link add virbr0 type bridge && ip addr add 192.168.122.1/24 dev virbr0 && ip link set virbr0 up')
  const before = await fingerprint(h3)
  const check = run(NAT, '-l', 'h3', '--check', '-v')
  assert.is(check.code, 0, check.out + check.err)
  assert.match(check.out, /delete virbr0, left by a libvirtd stopped mid-change/)
  assert.is(await fingerprint(h3), before, '--check changed nothing')
  const res = run(NAT, '-l', 'h3')
  assert.is(res.code, 0, res.out + res.err)
  assert.match(await onHost(h3, 'virsh net-list --name'), /^default$/m)
  assert.match(await onHost(h3, 'virsh net-dumpxml default'), "<bridge name='virbr0'")
  assert.is((await json(h3, 'ip -j addr show virbr0'))[0].addr_info.find((a: { family: string }) => a.family === 'inet').local, '192.168.122.1')
  expectNoChange(run(NAT, '-l', 'h3', '--json'), ['h3'])
})

pb('bad values in a playbook (IP, MAC, interface or network name, shell or XML metacharacters) stop the run before any host', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-bad-'))
  const cases: [string, string, RegExp][] = [
    ['ip', "writeIfcfg({ bridge: 'br0', address: '192.168.7.256' })", /invalid address "192\.168\.7\.256"/],
    ['mac', "editDomainInterface({ mac: '52:54:00:e4:7c', to: { bridge: 'br0' } })", /invalid MAC address "52:54:00:e4:7c"/],
    ['iface', "writeIfcfg({ bridge: 'br0', device: 'a-very-long-nic-name0' })", /invalid device "a-very-long-nic-name0"/],
    ['net', "defineNetwork({ name: 'my net', forward: 'bridge', bridge: 'br0' })", /invalid network name "my net"/],
    ['shell', "writeIfcfg({ bridge: 'br0$(reboot)' })", /invalid bridge name "br0\$\(reboot\)"/],
    ['xml', "defineNetwork({ name: \"br0'/><forward mode='nat'/>\", forward: 'bridge', bridge: 'br0' })", /invalid network name/],
  ]
  const before = await Promise.all(hosts.map(fingerprint))
  for (const [name, task, message] of cases) {
    const file = join(dir, `${name}.play.ts`)
    writeFileSync(file, `import { playbook } from 'kvmplay'\nimport { writeIfcfg, defineNetwork, editDomainInterface } from 'kvmplay/tasks'\n\nexport default playbook({ name: '${name}', hosts: 'all', tasks: [${task}] })\n`)
    const res = kvmplay(['run', file, '-i', inventory])
    assert.is(res.code, 4, `${name}: ${res.out}${res.err}`)
    assert.match(res.err, message, name)
    assert.match(res.err, `${file}:4:`, name)
  }
  assert.equal(await Promise.all(hosts.map(fingerprint)), before)
})

pb.run()
