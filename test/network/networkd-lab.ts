/**
 * What systemd-networkd itself says of a lab host's links, for the lab
 * suites of the networkd backend and of netplan on networkd: networkctl's
 * status once the link is routable (its setup state stays `configuring` for
 * about 10 s without IPv6 router advertisements, so `configured` is not
 * waited for), and the DHCPv4 client ID of a link's lease.
 */
import * as assert from 'uvu/assert'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { onHost } from '../helpers/lab.ts'

const escape = (s: string) => s.replace(/[.()/]/g, '\\$&')

/**
 * `networkctl status LINK` once networkd says it is routable. Its setup state stays
 * `configuring` for about 10 s after the link comes up, as on a real host on a LAN
 * without IPv6 router advertisements: IPv6AcceptRA= is on by default, and networkd
 * waits for its router solicitations to time out.
 */
export async function networkctlStatus(h: HostPlan, link: string): Promise<string> {
  let out = ''
  for (let i = 0; i < 100; i++) {
    out = await onHost(h, `networkctl status ${link} --no-pager`)
    if (/^\s*State: routable \((configuring|configured)\)$/m.test(out)) return out
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.unreachable(`${h.name}: networkd did not report ${link} routable:\n${out}`)
  return out
}

/**
 * networkd brought br0 up from `file`, with the host's address (a lease from
 * the lab's gateway where `dhcp`) and eth0's MAC, and eth0 as its port from `portFile`.
 */
export async function assertNetworkdBridged(h: HostPlan, file: string, portFile: string, dhcp: boolean) {
  const br0 = await networkctlStatus(h, 'br0')
  assert.match(br0, new RegExp(`Network File: ${escape(file)}$`, 'm'), br0)
  assert.match(br0, new RegExp(`^\\s*Address: ${escape(dhcp ? `${h.address} (DHCP4 via ${h.gateway})` : h.address)}$`, 'm'), br0)
  assert.match(br0, new RegExp(`Hardware Address: ${h.mac}\\b`), br0)
  assert.match(br0, /^\s*Type: bridge$/m, br0)
  const eth0 = await onHost(h, 'networkctl status eth0 --no-pager')
  assert.match(eth0, new RegExp(`Network File: ${escape(portFile)}$`, 'm'), eth0)
  assert.match(eth0, /^\s*State: enslaved \(/m, eth0)
}

/** The DHCPv4 client ID networkd's lease on `link` was taken with (its lease file, by ifindex). */
export async function clientId(h: HostPlan, link: string): Promise<string> {
  const out = await onHost(h, `f=/run/systemd/netif/leases/$(cat /sys/class/net/${link}/ifindex); grep '^CLIENTID=' $f`)
  return out.trim().replace(/^CLIENTID=/, '')
}
