/** The one seam to @xmldom/xmldom: parse libvirt XML, read and edit elements, serialise. */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import type { Document, Element } from '@xmldom/xmldom'
import { KvmplayError } from '../core/errors.ts'

export type { Document, Element }

export function parseXml(xml: string, what: string): Document {
  const errors: string[] = []
  let doc: Document
  try {
    doc = new DOMParser({
      onError: (level: string, msg: string) => {
        if (level !== 'warning') errors.push(msg)
      },
    }).parseFromString(xml, 'text/xml')
  } catch (err) {
    // xmldom throws its own ParseError on a fatal error (after reporting it): the same error, with what was read.
    throw new KvmplayError('fact', `${what}: not well-formed XML: ${errors[0] ?? (err as Error).message}`, { cause: err })
  }
  if (errors.length || !doc.documentElement) throw new KvmplayError('fact', `${what}: not well-formed XML: ${errors[0] ?? 'empty'}`)
  return doc
}

/** Direct children with this tag name. */
export const children = (el: Element, tag: string): Element[] =>
  Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).tagName === tag) as Element[]

export const child = (el: Element, tag: string): Element | undefined => children(el, tag)[0]

/** Attribute value, or undefined when absent. */
export const attr = (el: Element | undefined, name: string): string | undefined => (el && el.hasAttribute(name) ? el.getAttribute(name)! : undefined)

export const text = (el: Element | undefined): string | undefined => el?.textContent?.trim() || undefined

export const serialize = (node: Element | Document): string => new XMLSerializer().serializeToString(node)

const MEMO_ENTRIES = 2048

/**
 * `read` memoised by the XML text, for readers of libvirt XML: a run reads the
 * same domain and network XML again after every change (18 parses a host in
 * the migration, 8 distinct texts), and parsing is most of the controller's
 * CPU for a fact. Results are frozen, as they are shared; bounded, oldest out.
 */
export function memoByXml<T>(read: (xml: string, what: string) => T): (xml: string, what: string) => T {
  const memo = new Map<string, T>()
  return (xml, what) => {
    let value = memo.get(xml)
    if (value === undefined) {
      value = deepFreeze(read(xml, what))
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value!)
      memo.set(xml, value)
    }
    return value
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
