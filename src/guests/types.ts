/**
 * What kvmplay knows of a guest's address across the move from libvirt's NAT
 * `default` network to a bridge, and the migration report that carries it.
 * The report file is the contract between the migration (which writes it),
 * the reservation export (which reads the NAT identities) and the way back
 * (which redefines `default` from it): change it only with a new `version`.
 */

/** How the guest had its NAT address. */
export type NatAssignment =
  /** a lease from libvirt's dnsmasq on `default` (and no static entry) */
  | 'lease'
  /** a `<host mac name ip>` entry of `default`'s `<dhcp>` (leased or not yet) */
  | 'static'
  /** seen on virbr0 (neighbour table) with no lease and no static entry: probably configured inside the guest */
  | 'configured-inside'
  /** nothing known: not running, no lease, no entry */
  | 'none'

/** A guest NIC's identity on the NAT network, read before the move. */
export interface NatIdentity {
  host: string
  guest: string
  mac: string
  /** the libvirt network the NIC was on (normally `default`) */
  network: string
  /** guest state as virsh domstate says (running, shut off …) */
  state: string
  address?: string
  assignedBy: NatAssignment
  hostname?: string
  /** lease expiry, ISO 8601, where there is a lease */
  leaseExpiry?: string
  /** whether the address answered in virbr0's neighbour table (running guests only) */
  seen?: boolean
  /** NIC model and PCI address, so the way back can check nothing moved */
  model?: string
  pci?: string
}

/** Where the guest's address is known from after the move. */
export type AfterSource = 'guest-agent' | 'neighbour' | 'unknown'

export interface GuestReport extends NatIdentity {
  /** the bridge the NIC moved to (br0) */
  toBridge?: string
  /** after the move: the address the guest has now, and where that is known from */
  after?: { address?: string; source: AfterSource }
  /** the LAN address reserved for it, when reservations were asked for */
  reserved?: string
}

/** A NAT network as it was before the migration, so the way back can define it again. */
export interface RecordedNetwork {
  host: string
  name: string
  /** its inactive XML (virsh net-dumpxml --inactive), as libvirt had it */
  xml: string
  autostart: boolean
  /** its static `<host>` entries */
  staticHosts: { mac: string; name?: string; ip: string }[]
}

export interface MigrationReport {
  kind: 'kvmplay-migration-report'
  version: 1
  /** ISO 8601 */
  generated: string
  guests: GuestReport[]
  networks: RecordedNetwork[]
}
