/**
 * Host names for reservations: the lease's or static entry's name (else the
 * guest's), made into what all three servers take without quoting games, and
 * unique across the file (ISC refuses two `host` blocks of one name; two
 * guests of one name on a LAN confuse its DNS).
 */

/**
 * One DNS label, lower case, of letters, digits and '-', starting with a
 * letter and at most 63 characters — the subset dnsmasq, dhcpd and Kea all
 * accept. dnsmasq reads a dhcp-host field of digits (`3600`, `1h`) as a lease
 * time and `infinite`/`ignore` as keywords, so those never come out alone.
 * A domain is dropped: dnsmasq refuses a name outside its own domain.
 */
export function dhcpName(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  const label = raw.split('.')[0].toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
  if (!label) return undefined
  const lettered = /^[a-z]/.test(label) ? label : `host-${label}`
  const safe = ['infinite', 'ignore'].includes(lettered) ? `${lettered}-host` : lettered
  return safe.slice(0, 63).replace(/-+$/, '')
}

export interface Named {
  host: string
  guest: string
  mac: string
  /** The name the lease or static entry gave (or the map). */
  hostname?: string
  /** The name the previous file had for this MAC: kept while it is free. */
  previous?: string
}

/**
 * A unique name per NIC, in the caller's (stable) order: the previous name
 * first, where still free; then the base name, where no other NIC wants it;
 * else base-host; else base-host-MACtail.
 */
export function uniqueNames<T extends Named>(nics: readonly T[]): Map<T, string> {
  const names = new Map<T, string>()
  const taken = new Set<string>()
  for (const n of nics) {
    const p = dhcpName(n.previous)
    if (p && !taken.has(p)) names.set(n, p), taken.add(p)
  }
  const base = (n: T) => dhcpName(n.hostname) ?? dhcpName(n.guest) ?? 'guest'
  const rest = nics.filter((n) => !names.has(n))
  const wanting = new Map<string, number>()
  for (const n of rest) wanting.set(base(n), (wanting.get(base(n)) ?? 0) + 1)
  for (const n of rest) {
    const b = base(n)
    const tail = n.mac.split(':').slice(-2).join('')
    const candidates = [...(wanting.get(b) === 1 ? [b] : []), dhcpName(`${b}-${n.host}`)!, dhcpName(`${b}-${n.host}-${tail}`)!]
    let name = candidates.find((c) => !taken.has(c))
    for (let i = 2; !name; i++) if (!taken.has(`${b}-${i}`)) name = `${b}-${i}`
    names.set(n, name)
    taken.add(name)
  }
  return names
}
