/**
 * The NAT network the way back defines again: what the migration report
 * recorded of it on this host (its inactive XML, autostart, static `<host>`
 * entries), or, without a record, libvirt's stock `default` as a fresh
 * install has it (virbr0, 192.168.122.1/24, DHCP .2–.254, NAT).
 */
import { KvmplayError } from '../core/errors.ts'
import { parseNetworkXml } from '../libvirt/network.ts'
import type { NetworkOptions } from '../libvirt/network.ts'
import type { RecordedNetwork } from './types.ts'

/** libvirt's own default.xml (/usr/share/libvirt/networks/default.xml), as options. */
export const STOCK_DEFAULT: NetworkOptions = {
  name: 'default',
  forward: 'nat',
  bridge: 'virbr0',
  address: '192.168.122.1',
  prefix: 24,
  dhcp: { start: '192.168.122.2', end: '192.168.122.254' },
  autostart: true,
}

/**
 * defineNetwork's options for a recorded network: what its XML says, with
 * the recorded static hosts (the report's list is the record; the XML's own
 * entries are the same ones), its uuid and bridge MAC so it comes back as the
 * same network, and its autostart as it was. Started either way: the guests
 * move onto it next.
 */
export function recordedNetworkOptions(rec: RecordedNetwork): NetworkOptions {
  const what = `the recorded network ${rec.name} of ${rec.host}`
  let parsed: ReturnType<typeof parseNetworkXml>
  try {
    parsed = parseNetworkXml(rec.xml, what)
  } catch (err) {
    throw new KvmplayError('validation', `${what}: its XML does not parse (${(err as Error).message}); fix the report or leave 'report' out`)
  }
  const { spec, identity } = parsed
  if (spec.name !== rec.name) throw new KvmplayError('validation', `${what}: its XML names network ${JSON.stringify(spec.name)}`)
  if (!spec.bridge) throw new KvmplayError('validation', `${what}: its XML has no <bridge name=…>`)
  if (spec.dhcpRanges.length > 1) {
    throw new KvmplayError('validation', `${what} has ${spec.dhcpRanges.length} DHCP ranges; kvmplay's defineNetwork keeps one — define it by hand, or edit the report`)
  }
  const range = spec.dhcpRanges[0]
  if (!range && rec.staticHosts.length) throw new KvmplayError('validation', `${what} has static hosts but no DHCP range in its XML`)
  return {
    name: spec.name,
    forward: spec.forward,
    bridge: spec.bridge,
    address: spec.address,
    prefix: spec.prefix,
    dhcp: range ? { start: range.start, end: range.end, hosts: rec.staticHosts.map((h) => ({ mac: h.mac, ip: h.ip, name: h.name })) } : undefined,
    natPorts: spec.natPorts,
    stp: spec.stp,
    delay: spec.delay,
    autostart: rec.autostart,
    identity,
  }
}
