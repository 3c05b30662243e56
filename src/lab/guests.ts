/**
 * Lab guests whose NAT identity is real (`lab up --guests lease,static,inside`).
 * The lab's qemu guests only halt (a boot sector: cli; hlt), so they never ask for an address;
 * each running guest named here gets a stand-in for its NIC: a network
 * namespace inside the host with a veth carrying the guest's MAC, plugged into
 * whatever bridge the guest's tap is on (guests.sh follows the tap, so after a
 * move to br0 the stand-in is on br0 too). What the stand-in does is its kind:
 *
 * - lease:  busybox udhcpc against libvirt's dnsmasq on `default` (a real lease);
 * - static: the same, and `default` has a `<host mac name ip>` entry for it;
 * - inside: an address configured in the stand-in itself (no DHCP at all).
 *
 * Every stand-in pings the NAT gateway every few seconds, as a live guest
 * talks, so virbr0's neighbour table knows it. Pure: which guests, which
 * MACs and addresses; the host layer and boot.sh do the rest.
 */
import type { DomainPlan, HostPlan } from './addressing.ts'

export const GUEST_KINDS = ['lease', 'static', 'inside'] as const
export type GuestKind = (typeof GUEST_KINDS)[number]

/** libvirt's stock `default` network, as every lab host has it. */
export const NAT_GATEWAY = '192.168.122.1'
const NAT_PREFIX = '192.168.122'

export interface StandIn {
  /** The domain whose NIC it stands in for. */
  domain: string
  kind: GuestKind
  mac: string
  /** static: the address of its `<host>` entry; inside: the address configured in it. */
  address?: string
}

/** `lease,static,inside` → the list; '' or `none` → no stand-ins (today's lab). An unknown kind is an error naming the known ones. */
export function parseGuests(spec: string): GuestKind[] {
  const s = spec.trim()
  if (s === '' || s === 'none') return []
  const kinds = s.split(',').map((k) => k.trim())
  for (const k of kinds) {
    if (!(GUEST_KINDS as readonly string[]).includes(k)) {
      throw new Error(`invalid --guests '${spec}': '${k}' is not a guest kind; use a comma-separated list of ${GUEST_KINDS.join(', ')} (or none)`)
    }
  }
  if (kinds.length > 8) throw new Error(`invalid --guests '${spec}': at most 8 running guests a host`)
  return kinds as GuestKind[]
}

const hex = (n: number) => n.toString(16).padStart(2, '0')

/** The number in a guest's name and MAC: vm1 takes the first kind, vm3, vm4, … the others (vm2 stays the shut-off guest). */
const guestNumber = (i: number) => (i === 0 ? 1 : i + 2)

/**
 * The host's guests with these stand-ins: its usual domains, plus one more
 * running domain for each kind after the first; and the stand-ins. A static
 * guest's entry is .100+N, an inside guest's address .200+N: both inside
 * libvirt's range (.2–.254), as people configure them, and apart from
 * each other. dnsmasq pings an address before it offers it, so no lease
 * lands on an inside guest's.
 */
export function labGuests(host: HostPlan, kinds: readonly GuestKind[]): { domains: DomainPlan[]; standIns: StandIn[] } {
  const domains = [...host.domains]
  // A cheap host (no libvirtd) has no guests, so no stand-ins either.
  if (domains.length === 0) return { domains, standIns: [] }
  const base = host.domains[0].mac.slice(0, -2)
  const standIns = kinds.map((kind, i): StandIn => {
    const n = guestNumber(i)
    const name = `vm${n}`
    if (!domains.some((d) => d.name === name)) domains.push({ name, mac: `${base}${hex(n)}`, model: 'virtio', running: true })
    const mac = domains.find((d) => d.name === name)!.mac
    const address = kind === 'static' ? `${NAT_PREFIX}.${100 + n}` : kind === 'inside' ? `${NAT_PREFIX}.${200 + n}` : undefined
    return { domain: name, kind, mac, address }
  })
  return { domains, standIns }
}

/** guests.sh's list: `DOMAIN KIND MAC ADDRESS|- GATEWAY`, a line each. */
export const standInLines = (standIns: readonly StandIn[]) =>
  standIns.map((s) => `${s.domain} ${s.kind} ${s.mac} ${s.address ?? '-'} ${NAT_GATEWAY}\n`).join('')

/** boot.sh's first-boot entries for `default`, one `<host>` element a line (virsh net-update … ip-dhcp-host). */
export const staticHostLines = (standIns: readonly StandIn[]) =>
  standIns.filter((s) => s.kind === 'static').map((s) => `<host mac='${s.mac}' name='${s.domain}' ip='${s.address}'/>\n`).join('')
