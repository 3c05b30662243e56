/**
 * Values checked before any template or command sees them. Each validator
 * returns the value (normalised where that is unambiguous) or throws a
 * validation error that names the field, the value and what is accepted.
 */
import { isIPv6 } from 'node:net'
import { KvmplayError } from './errors.ts'

const fail = (field: string, value: unknown, expected: string) =>
  new KvmplayError('validation', `invalid ${field} ${JSON.stringify(value)}: expected ${expected}`)

/** Linux interface names: 1–15 chars, no '/', ':', whitespace or quotes (dev_valid_name, plus what is sane in ifcfg). */
export function interfaceName(value: unknown, field = 'interface name'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/.test(value) || value === '.' || value === '..') {
    throw fail(field, value, '1–15 letters, digits, "_", "." or "-" (a Linux interface name, e.g. br0 or eth0)')
  }
  return value
}

/** libvirt object names (networks, domains): what virsh accepts without quoting games. */
export function libvirtName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/.test(value)) {
    throw fail(field, value, '1–64 letters, digits, "_", ".", "+" or "-", starting with a letter, digit or "_"')
  }
  return value
}

export function ipv4(value: unknown, field = 'IPv4 address'): string {
  const m = typeof value === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value) : null
  if (!m || m.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) {
    throw fail(field, value, 'a dotted-quad IPv4 address such as 192.168.122.1')
  }
  return value as string
}

/** IPv6 addresses as written (compressed or not), without a zone: node's parser, which takes none of a shell's metacharacters. */
export function ipv6(value: unknown, field = 'IPv6 address'): string {
  if (typeof value !== 'string' || value.includes('%') || !isIPv6(value)) throw fail(field, value, 'an IPv6 address such as 2001:db8::1')
  return value
}

/** An IPv4 or an IPv6 address. */
export function ipAddress(value: unknown, field = 'address'): string {
  try {
    return typeof value === 'string' && value.includes(':') ? ipv6(value, field) : ipv4(value, field)
  } catch {
    throw fail(field, value, 'an IPv4 or IPv6 address such as 192.168.122.1 or 2001:db8::1')
  }
}

export function prefixLength(value: unknown, field = 'prefix length'): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 32) throw fail(field, value, 'an integer from 0 to 32')
  return n
}

/** Dotted netmask → prefix; only contiguous masks are netmasks. */
export function netmaskToPrefix(value: unknown, field = 'netmask'): number {
  const ip = ipv4(value, field)
  const bits = ip.split('.').reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0
  const prefix = 32 - Math.log2((~bits >>> 0) + 1)
  if (!Number.isInteger(prefix)) throw fail(field, value, 'a contiguous netmask such as 255.255.255.0')
  return prefix
}

export function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.')
}

/** MAC addresses, normalised to lower case with colons. */
export function mac(value: unknown, field = 'MAC address'): string {
  if (typeof value !== 'string' || !/^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/.test(value)) {
    throw fail(field, value, 'six hex byte pairs such as 52:54:00:c7:18:b5')
  }
  return value.toLowerCase().replace(/-/g, ':')
}

/** Absolute remote paths without NUL or newline (they end up in shell commands and logs). */
export function absolutePath(value: unknown, field = 'path'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\0\n\r]/.test(value) || value.split('/').includes('..')) {
    throw fail(field, value, 'an absolute path without "..", newlines or NUL')
  }
  return value
}

/** sysctl keys: dotted or slashed words, as `sysctl` takes them. */
export function sysctlKey(value: unknown, field = 'sysctl key'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+([./][A-Za-z0-9_*-]+)+$/.test(value)) {
    throw fail(field, value, 'a sysctl key such as net.ipv4.ip_forward')
  }
  return value.replace(/\//g, '.')
}

/** File modes as octal strings ('0644') or numbers (0o644). */
export function fileMode(value: unknown, field = 'mode'): string {
  const s = typeof value === 'number' ? value.toString(8) : value
  if (typeof s !== 'string' || !/^0?[0-7]{3,4}$/.test(s)) throw fail(field, value, "an octal mode such as '0644' or 0o644")
  return s.padStart(4, '0').slice(-4)
}

/** User or group names (or numeric ids) for chown. */
export function owner(value: unknown, field = 'owner'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/.test(value)) {
    throw fail(field, value, 'a user or group name, or a numeric id')
  }
  return value
}

/** DHCP host names (libvirt <host name=…>): a hostname label sequence. */
export function hostname(value: unknown, field = 'host name'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(value)) {
    throw fail(field, value, 'a host name of letters, digits and "-", dot-separated')
  }
  return value
}

export function port(value: unknown, field = 'port'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw fail(field, value, 'an integer from 1 to 65535')
  return value
}

/** A yes/no var, as -e gives it (a string) or YAML does (a boolean): true/false, yes/no, on/off, 1/0. */
export function flag(value: unknown, field = 'flag'): boolean {
  if (typeof value === 'boolean') return value
  const v = typeof value === 'string' || typeof value === 'number' ? String(value).trim().toLowerCase() : ''
  if (['true', 'yes', 'on', '1'].includes(v)) return true
  if (['false', 'no', 'off', '0'].includes(v)) return false
  throw fail(field, value, 'true or false (yes/no, on/off, 1/0)')
}
