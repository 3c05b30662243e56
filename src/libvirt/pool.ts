/**
 * libvirt storage pools (dir and logical), compared by meaning: the fields
 * a pool task owns read out of `pool-dumpxml --inactive`; what libvirt adds
 * (uuid, capacity, permissions) is ignored, and the uuid kept on a redefine.
 */
import { renderTemplate } from '../render.ts'
import { attr, child, children, parseXml, text } from './xml.ts'

export type PoolType = 'dir' | 'logical'

export interface PoolSpec {
  name: string
  type: PoolType
  /** dir: the directory; logical: /dev/VG. */
  target: string
  /** logical: the volume group. */
  vg?: string
  /** logical: the physical volumes a build puts the group on (empty: the group exists already). */
  devices: string[]
}

export function parsePoolXml(xml: string, what = 'pool XML'): { spec: PoolSpec; uuid?: string } {
  const pool = parseXml(xml, what).documentElement!
  const source = child(pool, 'source')
  const type = attr(pool, 'type') as PoolType
  return {
    spec: {
      name: text(child(pool, 'name')) ?? '',
      type,
      target: text(child(child(pool, 'target') ?? pool, 'path')) ?? '',
      vg: type === 'logical' ? (text(child(source ?? pool, 'name')) ?? text(child(pool, 'name'))) : undefined,
      devices: source ? children(source, 'device').map((d) => attr(d, 'path')!).filter(Boolean) : [],
    },
    uuid: text(child(pool, 'uuid')),
  }
}

/** What differs, in words; empty: the pool is as wished. Devices count only where the wish names them. */
export function poolDifferences(current: PoolSpec, wanted: PoolSpec): string[] {
  const out: string[] = []
  if (current.target !== wanted.target) out.push(`target ${current.target} → ${wanted.target}`)
  if ((current.vg ?? '') !== (wanted.vg ?? '')) out.push(`volume group ${current.vg} → ${wanted.vg}`)
  if (wanted.devices.length && current.devices.join(' ') !== wanted.devices.join(' ')) out.push(`devices ${current.devices.join(' ') || 'none'} → ${wanted.devices.join(' ')}`)
  return out
}

/** The pool as XML through our template: the same layout before and after, so a diff shows meaning. */
export const poolXml = (spec: PoolSpec, uuid?: string) => renderTemplate('libvirt/pool.xml.hbs', { ...spec, uuid })
