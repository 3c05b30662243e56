/**
 * The migration's end state, read from each host (both tools must reach it):
 * br0 carries the host's address with eth0 as its port, the ifcfg files say
 * so, IPv4 forwarding is on and persisted, libvirt has br0 and no `default`,
 * and every guest NIC is on br0 with its own MAC at its PCI slot.
 */
import { $ } from 'zx'
import type { HostPlan } from '../src/lab/addressing.ts'
import { parseIfcfg } from '../src/facts/ifcfg.ts'
import { domainInterfaces } from '../src/libvirt/domain.ts'

const SCRIPT = `ip -j -d addr show; echo @@; cat /etc/sysconfig/network-scripts/ifcfg-br0; echo @@; cat /etc/sysconfig/network-scripts/ifcfg-eth0; echo @@;
cat /proc/sys/net/ipv4/ip_forward; grep -E '^\\s*net\\.ipv4\\.ip_forward\\s*=\\s*1' /etc/sysctl.conf; echo @@; virsh -q net-list --all; echo @@;
for d in $(virsh -q list --all --name); do virsh dumpxml --inactive $d; echo @@DOM; done`

export async function verifyHost(h: HostPlan, sshConfig: string): Promise<string[]> {
  const out = (await $({ quiet: true })`ssh -F ${sshConfig} ${h.name} ${SCRIPT}`).stdout
  const [addrs, br, eth, fwd, nets, doms] = out.split('@@\n')
  const problems: string[] = []
  const want = (ok: boolean, what: string) => ok || problems.push(`${h.name}: ${what}`)
  const links = JSON.parse(addrs) as { ifname: string; master?: string; addr_info: { family: string; local: string }[] }[]
  const inet = (n: string) => links.find((l) => l.ifname === n)?.addr_info.filter((a) => a.family === 'inet').map((a) => a.local) ?? []
  want(inet('br0').includes(h.address), `br0 does not carry ${h.address}`)
  want(inet('eth0').length === 0, 'eth0 still has an address')
  want(links.find((l) => l.ifname === 'eth0')?.master === 'br0', 'eth0 is not a port of br0')
  const b = parseIfcfg(br)
  want(b.TYPE === 'Bridge' && b.IPADDR === h.address && b.PREFIX === '24' && b.GATEWAY === h.gateway, 'ifcfg-br0 is not the bridge with the address')
  const e = parseIfcfg(eth)
  want(e.BRIDGE === 'br0' && e.HWADDR?.toLowerCase() === h.mac && !e.IPADDR, 'ifcfg-eth0 is not a port of br0')
  want(/^1\n\s*net\.ipv4\.ip_forward/.test(fwd), 'IPv4 forwarding is not on and persisted')
  want(/^\s*br0\s+active\s+yes/m.test(nets), 'libvirt network br0 is not active and autostarted')
  want(!/^\s*default\s/m.test(nets), 'libvirt network default still exists')
  const ifaces = doms.split('@@DOM\n').filter((x) => x.trim()).flatMap((x) => domainInterfaces(x))
  for (const d of h.domains) {
    const i = ifaces.find((x) => x.mac === d.mac)
    want(i?.type === 'bridge' && i.source === 'br0' && i.pci === '0000:00:03.0' && i.model === d.model, `${d.name} ${d.mac} is not on br0 at its PCI slot`)
  }
  return problems
}

export async function verifyMigrated(hosts: HostPlan[], sshConfig: string): Promise<string[]> {
  return (await Promise.all(hosts.map((h) => verifyHost(h, sshConfig)))).flat()
}
