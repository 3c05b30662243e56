/** A domain's network interfaces, read from its XML and edited in place for a move. */
import { attr, child, children, memoByXml, parseXml, serialize } from './xml.ts'
import type { Element } from './xml.ts'

export interface DomainInterface {
  /** network | bridge | direct | user … */
  type: string
  /** The network name for type network, the bridge name for type bridge. */
  source?: string
  mac: string
  model?: string
  /** "0000:00:03.0" when libvirt assigned a PCI address. */
  pci?: string
  /** `<link state>`: 'down' when someone set the NIC's link down; absent means up. */
  link?: string
}

function pciOf(el: Element): string | undefined {
  const a = child(el, 'address')
  if (!a || attr(a, 'type') !== 'pci') return undefined
  const hex = (v: string | undefined, w: number) => (v ? Number(v).toString(16).padStart(w, '0') : '0'.repeat(w))
  return `${hex(attr(a, 'domain'), 4)}:${hex(attr(a, 'bus'), 2)}:${hex(attr(a, 'slot'), 2)}.${Number(attr(a, 'function') ?? 0).toString(16)}`
}

function describe(el: Element): DomainInterface {
  const type = attr(el, 'type') ?? 'unknown'
  const source = child(el, 'source')
  const link = attr(child(el, 'link'), 'state')
  return {
    type,
    source: type === 'network' ? attr(source, 'network') : type === 'bridge' ? attr(source, 'bridge') : attr(source, 'dev'),
    mac: (attr(child(el, 'mac'), 'address') ?? '').toLowerCase(),
    model: attr(child(el, 'model'), 'type'),
    pci: pciOf(el),
    ...(link ? { link } : {}),
  }
}

const interfaceElements = (xml: string, what: string) => {
  const devices = child(parseXml(xml, what).documentElement!, 'devices')
  return devices ? children(devices, 'interface') : []
}

const readInterfaces = memoByXml((xml, what): readonly DomainInterface[] => interfaceElements(xml, what).map(describe))

export function domainInterfaces(xml: string, what = 'domain XML'): readonly DomainInterface[] {
  return readInterfaces(xml, what)
}

export type InterfaceTarget = { bridge: string } | { network: string }

/**
 * The interface with this MAC, moved to the target: same element with its
 * MAC, model, PCI address and every other setting, only `type` and
 * `<source>` changed. Live-only bits (target dev, alias) are dropped.
 */
export function movedInterfaceXml(domainXml: string, mac: string, to: InterfaceTarget): string {
  const el = interfaceElements(domainXml, 'domain XML').find((e) => (attr(child(e, 'mac'), 'address') ?? '').toLowerCase() === mac)
  if (!el) throw new Error(`no interface with MAC ${mac}`)
  const doc = el.ownerDocument!
  const copy = el.cloneNode(true) as Element
  for (const tag of ['source', 'target', 'alias']) for (const c of children(copy, tag)) copy.removeChild(c)
  const source = doc.createElement('source')
  if ('bridge' in to) {
    copy.setAttribute('type', 'bridge')
    source.setAttribute('bridge', to.bridge)
  } else {
    copy.setAttribute('type', 'network')
    source.setAttribute('network', to.network)
  }
  const mac0 = child(copy, 'mac')
  copy.insertBefore(source, mac0 ? mac0.nextSibling : copy.firstChild)
  return pretty(copy)
}

/**
 * An interface's XML (as movedInterfaceXml gives it) with its link set to
 * `state`: what `virsh domif-setlink` sends libvirt, without its fallback
 * to the persistent config when the domain is not running.
 */
export function withLinkState(interfaceXml: string, state: 'up' | 'down'): string {
  const el = parseXml(interfaceXml, 'interface XML').documentElement!
  for (const c of children(el, 'link')) el.removeChild(c)
  const link = el.ownerDocument!.createElement('link')
  link.setAttribute('state', state)
  el.appendChild(link)
  return pretty(el)
}

/** One child element a line, so diffs of interfaces read well whatever the source layout. */
function pretty(el: Element): string {
  const open = serialize(el).match(/^<[^>]*>/)![0]
  const inner = Array.from(el.childNodes)
    .filter((n) => n.nodeType === 1)
    .map((n) => `  ${serialize(n as Element).replace(/\s*\n\s*/g, '')}`)
  return `${open}\n${inner.join('\n')}\n</${el.tagName}>`
}

export const isAt = (i: DomainInterface, to: InterfaceTarget) =>
  'bridge' in to ? i.type === 'bridge' && i.source === to.bridge : i.type === 'network' && i.source === to.network
