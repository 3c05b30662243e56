/**
 * interfaces(5) as kvmplay reads and rewrites it: the stanzas of a file, the
 * files that define the uplink or the bridge, the addressing a stanza takes
 * (the bridge's, or on the way back the uplink's), what the bridge carries
 * over (resolvconf's dns-* lines, an IPv6 method), and a file with the
 * uplink's and the bridge's stanzas taken out and a block put where the
 * first of them was. Everything else in the file — comments, other
 * interfaces, `source` lines — stays as it was, and the rewrite of a
 * rewritten file is the same file.
 */
import type { PersistedNetworkFile } from '../../../facts/network-system.ts'
import { routeOn } from '../../iproute2.ts'
import type { BridgeWish } from '../../wish.ts'

/** Lines that start a new stanza (interfaces(5)); an iface stanza's options run until the next one. */
const STANZA = /^\s*(iface|mapping|auto|allow-[\w-]+|source|source-directory|rename|no-auto-down|no-scripts)(\s|$)/
const IFACE = /^\s*iface\s+(\S+)\s+(\S+)\s+(\S+)/
const AUTO = /^(\s*)(auto|allow-[\w-]+)(\s+)(.*?)\s*$/
const isBlank = (l: string) => l.trim() === ''
const isComment = (l: string) => /^\s*#/.test(l)

export interface IfaceStanza {
  iface: string
  family: string
  method: string
  /** The option lines, as they are (comments among them dropped). */
  options: string[]
  /** Lines [start, end) of the file: the iface line and its options (not the comments or blank lines after them). */
  start: number
  end: number
}

export function parseStanzas(content: string): IfaceStanza[] {
  const lines = content.split('\n')
  const out: IfaceStanza[] = []
  for (let i = 0; i < lines.length; i++) {
    const m = IFACE.exec(lines[i])
    if (!m) continue
    let end = i + 1
    for (let j = i + 1; j < lines.length && !STANZA.test(lines[j]); j++) if (!isBlank(lines[j]) && !isComment(lines[j])) end = j + 1
    const options = lines.slice(i + 1, end).filter((l) => !isBlank(l) && !isComment(l))
    out.push({ iface: m[1], family: m[2], method: m[3], options, start: i, end })
  }
  return out
}

/** The comment line kvmplay puts before the bridge's stanzas (and finds again on the next run). */
export const marker = (w: BridgeWish) => `# kvmplay: bridge ${w.bridge} over ${w.uplink.name}: ${w.uplink.name} carries no address of its own, ${w.bridge} keeps its MAC and addresses`
export const isMarker = (l: string, bridge: string) => l.startsWith(`# kvmplay: bridge ${bridge} over `)

/** The ifupdown files that define the device or the bridge, or bring the bridge up (auto, allow-*). */
export const definingFiles = (files: PersistedNetworkFile[], w: BridgeWish) =>
  files.filter(
    (f) =>
      parseStanzas(f.content).some((s) => s.iface === w.uplink.name || s.iface === w.bridge) ||
      f.content.split('\n').some((l) => !isComment(l) && AUTO.exec(l)?.[4].split(/\s+/).includes(w.bridge)),
  )

/**
 * What an interface's stanza says of its addressing, as the templates take it: method,
 * the primary address (the netmask as its own option where the playbook asked for one,
 * as the seed's NETMASK=), gateway, name servers carried over, MTU, further IPv4
 * addresses, IPv6. The same for the bridge's stanza and (the way back) the uplink's.
 */
export function addressingContext(w: BridgeWish, carried: { dnsLines: string[]; method6?: string }) {
  const isStatic = w.bootproto === 'static'
  const cidr = (a: { address: string; prefix: number }) => `${a.address}/${a.prefix}`
  const [primary, ...secondaries] = w.addresses
  return {
    method: isStatic ? 'static' : 'dhcp',
    static: isStatic,
    address: primary ? (w.netmask ? primary.address : cidr(primary)) : '',
    netmask: w.netmask ?? '',
    gateway: isStatic ? (w.gateway ?? '') : '',
    dnsLines: carried.dnsLines,
    mtu: w.mtu ?? '',
    secondaries: secondaries.map(cidr),
    addresses6: w.addresses6.map((a, i) => ({ cidr: cidr(a), gateway: i === 0 ? (w.gateway6 ?? '') : '' })),
    method6: w.addresses6.length === 0 && carried.method6 ? carried.method6 : '',
  }
}

/** The static routes as `up` commands of `dev`'s stanza: ifup runs them once the addresses are on. */
export const upRoutes = (w: BridgeWish, dev: string): string[] => w.routes.map((r) => `ip ${routeOn(r, dev)}`)

/**
 * One file with the device's and the bridge's stanzas taken out (and the bridge
 * out of `auto`/`allow-*` lines), the bridge's block where the first of them was
 * if `block` is given. Blank lines between two lines taken out go with them, so
 * a rewritten file rewrites to itself.
 */
export function rewriteInterfaces(content: string, w: BridgeWish, block?: string): string {
  const lines = content.split('\n')
  const removed = new Array<boolean>(lines.length).fill(false)
  const replaced = new Map<number, string>()
  let insertAt: number | undefined
  for (const s of parseStanzas(content)) {
    if (s.iface !== w.uplink.name && s.iface !== w.bridge) continue
    insertAt ??= s.start
    for (let i = s.start; i < s.end; i++) removed[i] = true
  }
  lines.forEach((l, i) => {
    if (isMarker(l, w.bridge)) removed[i] = true
    const m = AUTO.exec(l)
    if (!m || isComment(l)) return
    const names = m[4].split(/\s+/)
    if (!names.includes(w.bridge)) return
    const rest = names.filter((n) => n !== w.bridge)
    if (rest.length === 0) removed[i] = true
    else replaced.set(i, `${m[1]}${m[2]}${m[3]}${rest.join(' ')}`)
  })
  // Blank runs between two removed lines go too.
  for (let i = 0; i < lines.length; i++) {
    if (!isBlank(lines[i]) || removed[i]) continue
    let j = i
    while (j < lines.length && isBlank(lines[j])) j++
    if (i > 0 && removed[i - 1] && j < lines.length && removed[j]) for (let k = i; k < j; k++) removed[k] = true
    i = j - 1
  }
  const out: string[] = []
  lines.forEach((l, i) => {
    if (i === insertAt && block !== undefined) out.push(...block.replace(/\n$/, '').split('\n'))
    if (!removed[i]) out.push(replaced.get(i) ?? l)
  })
  if (insertAt === undefined && block !== undefined) {
    // Nothing defined them yet (the backend was named): the block goes at the end.
    while (out.length && isBlank(out[out.length - 1])) out.pop()
    out.push('', ...block.replace(/\n$/, '').split('\n'), '')
  }
  return out.join('\n')
}

/** What the bridge keeps of the uplink's stanzas (or of its own, on the next run): resolvconf's dns-* lines, an IPv6 method that is not static. */
export function carriedOver(files: PersistedNetworkFile[], w: BridgeWish): { dnsLines: string[]; method6?: string } {
  const stanzas = files.flatMap((f) => parseStanzas(f.content)).filter((s) => s.iface === w.uplink.name || s.iface === w.bridge)
  const dnsLines = [...new Set(stanzas.flatMap((s) => s.options.map((o) => o.trim()).filter((o) => /^dns-/.test(o))))]
  const method6 = stanzas.find((s) => s.family === 'inet6' && (s.method === 'auto' || s.method === 'dhcp'))?.method
  return { dnsLines, method6 }
}

/** What an interfaces(5) system's files say where none of them names the uplink (the refusal of an unclaimed uplink lists it), or undefined where the system is not installed. */
export const stanzasFound = (system: string, files: PersistedNetworkFile[] | undefined, uplink: string): string | undefined =>
  files ? `${system} is installed, but ${files.map((f) => f.path).join(', ') || 'no file of it'} names ${uplink} nowhere` : undefined

/** `<system> defines <iface> in <path>`: the first stanza of the uplink or the bridge in an interfaces(5) system's files (ifupdown's claim, and ifupdown2's). */
export function stanzaClaim(system: string, files: PersistedNetworkFile[] | undefined, uplink: string, bridge: string): string | undefined {
  for (const f of files ?? []) {
    const s = parseStanzas(f.content).find((x) => x.iface === uplink || x.iface === bridge)
    if (s) return `${system} defines ${s.iface} in ${f.path}`
  }
  return undefined
}
