/**
 * LAN addresses for guest NICs, decided the same way on every run:
 *
 * 1. the user's map (by MAC, else host/guest) wins;
 * 2. then what the previous reservations file gave the MAC, while that
 *    address is still in the range and no map entry took it;
 * 3. every other NIC, in the order of (host, guest, MAC) — never the order
 *    the guests came in — gets the lowest address of the range still free.
 *
 * So a re-run gives the same file, and a guest added later takes a free
 * address without moving anyone else (given the previous file). Never two
 * NICs on one address, never an address outside the range; too small a
 * range is an error naming how many NICs and how many addresses.
 */
import { KvmplayError } from '../core/errors.ts'
import { hostname as hostnameOf, mac as macOf } from '../core/validate.ts'
import type { NatIdentity } from './types.ts'
import type { LanRange } from './lan-range.ts'
import { ipToNumber } from './lan-range.ts'
import { pinsOf } from './reservations-map.ts'
import type { ReservationMap } from './reservations-map.ts'
import type { PreviousEntry } from './reservations-previous.ts'
import { uniqueNames } from './reservations-names.ts'

export interface Reservation {
  host: string
  guest: string
  mac: string
  ip: string
  /** Unique in the set, valid for all three servers (reservations-names.ts). */
  name: string
  /** Where the address came from. */
  source: 'map' | 'previous' | 'range'
}

export interface AllocateOptions {
  range?: LanRange
  map?: ReservationMap
  previous?: readonly PreviousEntry[]
}

export interface Allocation {
  reservations: Reservation[]
  /** Things worth saying that are not errors: unused map keys, previous addresses given up. */
  notes: string[]
}

const invalid = (message: string) => new KvmplayError('validation', message)
const label = (n: NatIdentity) => `${n.host}/${n.guest} (${n.mac})`
/** Code-unit order, not the locale's: the same on every machine. */
const byKey = (a: NatIdentity, b: NatIdentity) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.guest < b.guest ? -1 : a.guest > b.guest ? 1 : a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0)

/** The NICs checked (MAC valid, normalised; no MAC twice: one MAC on two NICs is one client to any DHCP server) and sorted. */
function checkedNics(guests: readonly NatIdentity[]): NatIdentity[] {
  const nics = guests.map((g, i) => {
    if (!g || typeof g.host !== 'string' || !g.host || typeof g.guest !== 'string' || !g.guest) {
      throw invalid(`guests[${i}]: host and guest must be non-empty strings`)
    }
    return { ...g, mac: macOf(g.mac, `MAC of ${g.host}/${g.guest} (guests[${i}].mac)`) }
  })
  const seen = new Map<string, NatIdentity>()
  for (const n of nics) {
    const other = seen.get(n.mac)
    if (other) throw invalid(`MAC ${n.mac} is on both ${other.host}/${other.guest} and ${n.host}/${n.guest}: on one LAN they would be one DHCP client; give one of them another MAC first`)
    seen.set(n.mac, n)
  }
  return nics.sort(byKey)
}

export function allocateReservations(guests: readonly NatIdentity[], opts: AllocateOptions): Allocation {
  const nics = checkedNics(guests)
  const notes: string[] = []
  const { pins, unused } = pinsOf(opts.map, nics)
  if (unused.length) notes.push(`map keys that match no guest NIC: ${unused.join(', ')}`)
  const owner = new Map<string, NatIdentity>()
  const ipOf = new Map<NatIdentity, { ip: string; source: Reservation['source'] }>()

  // 1. The map: inside the range (when there is one), one NIC per address.
  for (const nic of nics) {
    const pin = pins.get(nic)
    if (!pin) continue
    if (opts.range && !opts.range.contains(pin.ip)) {
      throw invalid(`${pin.from} gives ${label(nic)} ${pin.ip}, outside the LAN range ${opts.range.text}: widen the range or change the map`)
    }
    const other = owner.get(pin.ip)
    if (other) throw invalid(`the map gives ${pin.ip} to both ${label(other)} and ${label(nic)}: one address, one NIC`)
    owner.set(pin.ip, nic)
    ipOf.set(nic, { ip: pin.ip, source: 'map' })
  }

  // 2. The previous file, where it still fits.
  const previous = new Map((opts.previous ?? []).map((p) => [p.mac, p]))
  for (const nic of nics) {
    const p = previous.get(nic.mac)
    // Without a range every NIC must be in the map: the previous file has nothing to add.
    if (!p || ipOf.has(nic) || !opts.range) continue
    if (!opts.range.contains(p.ip)) {
      notes.push(`${label(nic)} had ${p.ip}, outside the LAN range ${opts.range.text}: it gets a new address`)
      continue
    }
    const other = owner.get(p.ip)
    if (other) {
      notes.push(`${label(nic)} had ${p.ip}, which ${ipOf.get(other)!.source === 'map' ? 'the map now gives' : 'the previous file also gave'} ${label(other)}: it gets a new address`)
      continue
    }
    owner.set(p.ip, nic)
    ipOf.set(nic, { ip: p.ip, source: 'previous' })
  }

  // 3. The range, lowest free address first, in (host, guest, MAC) order.
  const rest = nics.filter((n) => !ipOf.has(n))
  if (rest.length && !opts.range) {
    throw invalid(`no address for ${rest.length} guest NIC(s): ${rest.slice(0, 10).map(label).join(', ')}${rest.length > 10 ? ' …' : ''}; give a LAN range, or add them to the map`)
  }
  if (opts.range) {
    const takenInRange = [...owner.keys()].filter((ip) => opts.range!.contains(ip)).length
    const free = opts.range.size - takenInRange
    if (rest.length > free) {
      throw invalid(
        `the LAN range ${opts.range.text} is too small: ${nics.length} guest NIC(s) need an address and it has ${opts.range.size}` +
          (takenInRange ? ` (${takenInRange} already given by the map or the previous file, ${free} free for the other ${rest.length})` : '') +
          `: widen it by ${rest.length - free} address(es), or map some guests elsewhere`,
      )
    }
    const it = opts.range.addresses()
    for (const nic of rest) {
      let ip = it.next().value as string
      while (owner.has(ip)) ip = it.next().value as string
      owner.set(ip, nic)
      ipOf.set(nic, { ip, source: 'range' })
    }
  }

  const names = uniqueNames(
    nics.map((n) => {
      // A name the map gives is claimed first, like the previous file's.
      const pinned = pins.get(n)?.name
      if (pinned !== undefined) hostnameOf(pinned, `name ${pins.get(n)!.from} gives ${label(n)}`)
      return { nic: n, host: n.host, guest: n.guest, mac: n.mac, hostname: n.hostname, previous: pinned ?? previous.get(n.mac)?.name }
    }),
  )
  const reservations = [...names].map(([x, name]) => ({ host: x.host, guest: x.guest, mac: x.mac, name, ...ipOf.get(x.nic)! }))
  reservations.sort((a, b) => ipToNumber(a.ip) - ipToNumber(b.ip))
  return { reservations, notes }
}
