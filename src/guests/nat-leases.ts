/**
 * The leases libvirt's dnsmasq holds on a NAT network, as
 * `virsh -q net-dhcp-leases NET` prints them. A network that is not there
 * (destroyed by the migration) has none, rather than failing the read.
 */
import { KvmplayError } from '../core/errors.ts'
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from '../facts/fact.ts'

export interface NatLease {
  mac: string
  address: string
  hostname?: string
  /** ISO 8601, as virsh prints it in local time with no zone: kept as printed, 'T' between date and time. */
  expiry: string
}

/**
 * ` 2026-12-02 04:21:12   52:54:00:12:01:01   ipv4   192.168.122.50/24   vm1   01:52:…`
 * (hostname and client id are `-` when the client sent none).
 */
export function parseNatLeases(out: string): NatLease[] {
  return out.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/)
    if (f.length < 5 || !/^\d{4}-\d\d-\d\d$/.test(f[0]) || f[3] !== 'ipv4') return []
    const [address] = f[4].split('/')
    return [{ mac: f[2].toLowerCase(), address, hostname: f[5] && f[5] !== '-' ? f[5] : undefined, expiry: `${f[0]}T${f[1]}` }]
  })
}

export const natLeasesFact: Fact<NatLease[], string> = {
  name: 'nat-leases',
  describe: (network) => `DHCP leases of libvirt network ${network}`,
  reads: (network) => [resource.libvirtNetwork(network)],
  command: (network) => sh`command -v virsh >/dev/null 2>&1 || exit 0; virsh -q net-info ${network} >/dev/null 2>&1 || exit 0; virsh -q net-dhcp-leases ${network}`,
  parse: (res, network) => {
    if (res.code !== 0) throw new KvmplayError('fact', `virsh net-dhcp-leases ${network} failed (exit ${res.code}): ${res.stderr.trim()}`)
    return parseNatLeases(res.stdout)
  },
}
