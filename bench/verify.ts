/**
 * The migration's end state, read from each host (both tools must reach it):
 * br0 carries the host's address with eth0 as its port, the host's own network
 * system persists it (per profile, below), IPv4 forwarding is on and persisted,
 * libvirt has br0 and no `default`, and every guest NIC is on br0 with its own
 * MAC at its PCI slot.
 */
import pLimit from 'p-limit'
import { $ } from 'zx'
import type { HostPlan } from '../src/lab/addressing.ts'
import { parseIfcfg } from '../src/facts/ifcfg.ts'
import { splitTerse } from '../src/facts/network-system.ts'
import { domainInterfaces } from '../src/libvirt/domain.ts'

/** The lab profiles the benchmark runs on: the lab's default (ifcfg files, configured from outside) and NetworkManager. */
export const BENCH_PROFILES = ['none', 'networkmanager'] as const
export type BenchProfile = (typeof BENCH_PROFILES)[number]

type Want = (ok: boolean, what: string) => unknown

interface Persisted {
  /** Prints what the host persists its network in. */
  script: string
  check(h: HostPlan, out: string, want: Want): void
}

const KEYFILES = '/etc/NetworkManager/system-connections/'

/**
 * Every profile NetworkManager has: its list line (name, uuid, type, device,
 * active, file) and its settings as NetworkManager read them from the file,
 * whichever tool wrote it.
 */
const NM_SCRIPT = `nmcli -t -f NAME,UUID,TYPE,DEVICE,ACTIVE,FILENAME connection show; for u in $(nmcli -g UUID connection show); do echo @@C;
nmcli -t -f connection.uuid,connection.interface-name,connection.master,connection.slave-type,connection.autoconnect,ipv4.method,ipv4.addresses,ipv4.gateway,ipv4.dns connection show "$u"; done`

interface NmProfile {
  name: string
  uuid: string
  type: string
  device: string
  active: boolean
  filename: string
  settings: Record<string, string>
}

function parseNm(out: string): NmProfile[] {
  const [list, ...blocks] = out.split('@@C\n')
  const settings = new Map(
    blocks.map((b) => {
      const s = Object.fromEntries(b.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]))
      return [s['connection.uuid'], s]
    }),
  )
  return list
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, uuid, type, device, active, filename] = splitTerse(l)
      return { name, uuid, type, device, active: active === 'yes', filename, settings: settings.get(uuid) ?? {} }
    })
}

const PERSISTED: Record<BenchProfile, Persisted> = {
  none: {
    script: 'cat /etc/sysconfig/network-scripts/ifcfg-br0; echo @@; cat /etc/sysconfig/network-scripts/ifcfg-eth0',
    check(h, out, want) {
      const [br, eth] = out.split('@@\n')
      const b = parseIfcfg(br)
      want(b.TYPE === 'Bridge' && b.IPADDR === h.address && b.PREFIX === '24' && b.GATEWAY === h.gateway, 'ifcfg-br0 is not the bridge with the address')
      const e = parseIfcfg(eth)
      want(e.BRIDGE === 'br0' && e.HWADDR?.toLowerCase() === h.mac && !e.IPADDR, 'ifcfg-eth0 is not a port of br0')
    },
  },
  networkmanager: {
    script: NM_SCRIPT,
    check(h, out, want) {
      const profiles = parseNm(out)
      const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)
      const br = profiles.find((p) => p.active && p.device === 'br0')
      want(br?.type === 'bridge' && br.filename.startsWith(KEYFILES), `br0's active profile is not a bridge kept in a keyfile (${br?.name ?? 'none'} ${br?.filename ?? ''})`)
      const s = br?.settings ?? {}
      want(
        s['ipv4.method'] === 'manual' && list(s['ipv4.addresses']).includes(`${h.address}/${h.prefix}`) && s['ipv4.gateway'] === h.gateway && list(s['ipv4.dns']).includes(h.gateway),
        `br0's profile does not carry ${h.address}/${h.prefix}, gateway and DNS ${h.gateway} (${JSON.stringify(s)})`,
      )
      want(s['connection.autoconnect'] === 'yes', "br0's profile does not come up at boot")
      const isPort = (p: NmProfile) => p.settings['connection.slave-type'] === 'bridge' && ['br0', br?.uuid].includes(p.settings['connection.master'])
      const port = profiles.find((p) => p.active && p.device === 'eth0')
      want(port !== undefined && isPort(port) && port.filename.startsWith(KEYFILES), `eth0's active profile is not a port of br0 kept in a keyfile (${port?.name ?? 'none'})`)
      for (const p of profiles.filter((p) => p.settings['connection.interface-name'] === 'eth0' && p.settings['connection.autoconnect'] === 'yes' && !isPort(p))) {
        want(false, `profile ${p.name} (${p.filename}) would take eth0 back from br0 at boot`)
      }
    },
  },
}

const script = (profile: BenchProfile) => `ip -j -d addr show; echo @@@; ${PERSISTED[profile].script}; echo @@@;
cat /proc/sys/net/ipv4/ip_forward; grep -E '^\\s*net\\.ipv4\\.ip_forward\\s*=\\s*1' /etc/sysctl.conf; echo @@@; virsh -q net-list --all; echo @@@;
for d in $(virsh -q list --all --name); do virsh dumpxml --inactive $d; echo @@DOM; done`

export async function verifyHost(h: HostPlan, sshConfig: string, profile: BenchProfile = 'none'): Promise<string[]> {
  const out = (await $({ quiet: true })`ssh -F ${sshConfig} ${h.name} ${script(profile)}`).stdout
  const [addrs, persisted, fwd, nets, doms] = out.split('@@@\n')
  const problems: string[] = []
  const want: Want = (ok, what) => ok || problems.push(`${h.name}: ${what}`)
  const links = JSON.parse(addrs) as { ifname: string; master?: string; addr_info: { family: string; local: string }[] }[]
  const inet = (n: string) => links.find((l) => l.ifname === n)?.addr_info.filter((a) => a.family === 'inet').map((a) => a.local) ?? []
  want(inet('br0').includes(h.address), `br0 does not carry ${h.address}`)
  want(inet('eth0').length === 0, 'eth0 still has an address')
  want(links.find((l) => l.ifname === 'eth0')?.master === 'br0', 'eth0 is not a port of br0')
  PERSISTED[profile].check(h, persisted, want)
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

export async function verifyMigrated(hosts: HostPlan[], sshConfig: string, profile: BenchProfile = 'none'): Promise<string[]> {
  // 8 at a time: behind a bastion every ssh -F opens its own connection to it, and sshd's MaxStartups (10:30:100) drops some of 20 at once.
  const limit = pLimit(8)
  return (await Promise.all(hosts.map((h) => limit(() => verifyHost(h, sshConfig, profile))))).flat()
}
