/**
 * storagePool: a libvirt storage pool — a directory (dir) or an LVM volume
 * group (logical) — defined, built (its directory made, its volume group
 * created on the devices given), started and autostarted, through the
 * libvirt seam (src/libvirt/changes.ts: RPC where it opens, virsh
 * otherwise). An existing pool that differs is redefined with its uuid
 * kept; a running one keeps its old definition until restarted, as said.
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { storagePoolFact } from '../src/facts/storage-pool.ts'
import { libvirtChangeStep } from '../src/libvirt/changes.ts'
import type { LibvirtChange } from '../src/libvirt/changes.ts'
import { poolDifferences, poolXml } from '../src/libvirt/pool.ts'
import type { PoolSpec } from '../src/libvirt/pool.ts'
import { absolutePath, libvirtName } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { boolean, checkOptions, listOf, literal, object, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface StoragePoolOptions extends Omit<TaskOptions, 'name'> {
  /** The pool's name ('default', 'images'). */
  name: string
  type: 'dir' | 'logical'
  /** dir: the directory (required). logical: left out, /dev/VG. */
  target?: string
  /** logical: the volume group (default: the pool's name) and the devices a build puts it on. */
  source?: { vg?: string; devices?: string[] }
  /** Make the directory or volume group where it is missing (pool-build). Default true. */
  build?: boolean
  /** Default true. */
  autostart?: boolean
}

/** What storagePool() takes, checked when the playbook loads (shape.ts); `name` is the pool's. */
export const storagePoolShape = object<StoragePoolOptions>({
  ...taskOptionFields,
  name: required(string),
  type: required(literal('dir', 'logical')),
  target: string,
  source: object<NonNullable<StoragePoolOptions['source']>>({ vg: string, devices: listOf(string) }),
  build: boolean,
  autostart: boolean,
})

export function wantedPool(o: StoragePoolOptions): PoolSpec {
  const name = libvirtName(o.name, 'pool name')
  if (o.type === 'dir') {
    if (o.target === undefined) throw new KvmplayError('validation', `storagePool ${name}: a dir pool needs its target directory`)
    if (o.source) throw new KvmplayError('validation', `storagePool ${name}: source is for logical pools`)
    return { name, type: 'dir', target: absolutePath(o.target, 'pool target'), devices: [] }
  }
  const vg = libvirtName(o.source?.vg ?? name, 'volume group')
  return { name, type: 'logical', vg, target: absolutePath(o.target ?? `/dev/${vg}`, 'pool target'), devices: (o.source?.devices ?? []).map((d) => absolutePath(d, 'pool device')) }
}

/**
 * @example
 * ```ts
 * storagePool({ name: 'default', type: 'dir', target: '/var/lib/libvirt/images' })
 * storagePool({ name: 'vms', type: 'logical', source: { vg: 'vms', devices: ['/dev/sdb'] } })
 * ```
 */
export function storagePool(opts: StoragePoolOptions): Task {
  checkOptions('storagePool', opts, storagePoolShape)
  const wanted = wantedPool(opts)
  const { name } = wanted
  const build = opts.build ?? true
  const autostart = opts.autostart ?? true
  const where = wanted.type === 'dir' ? wanted.target : wanted.vg!
  return defineTask(
    {
      name: `storage pool ${name} (${wanted.type}, ${wanted.type === 'dir' ? wanted.target : `vg ${wanted.vg}`})`,
      facts: () => ({ pool: factRequest(storagePoolFact, { name, type: wanted.type, where }) }),
      plan: (host, { pool }) => {
        const notes: string[] = []
        // libvirt not installed yet (a --check of a bare host, its package an earlier task): planned as a new pool, and said.
        if (!pool.available) notes.push('virsh is not installed yet: planned as if an earlier task installs libvirt')
        if (pool.defined && pool.spec!.type !== wanted.type) {
          throw new KvmplayError('precondition', `${host.name}: pool ${name} is a ${pool.spec!.type} pool, not ${wanted.type}: undefine it first (virsh pool-destroy, pool-undefine) — nothing was changed`)
        }
        const needsBuild = !pool.built
        if (needsBuild && !build) throw new KvmplayError('precondition', `${host.name}: pool ${name}: ${wanted.type === 'dir' ? `directory ${where}` : `volume group ${where}`} does not exist, and build is false`)
        if (needsBuild && wanted.type === 'logical' && !wanted.devices.length) {
          throw new KvmplayError('precondition', `${host.name}: pool ${name}: volume group ${where} does not exist: give source.devices to build it on, or create it (vgcreate)`)
        }
        const steps: Step[] = []
        if (!pool.defined) {
          const xml = poolXml(wanted)
          const changes: LibvirtChange[] = [
            { op: 'define-pool', name, xml },
            ...(needsBuild ? [{ op: 'build-pool', name } as const] : []),
            ...(autostart ? [{ op: 'autostart-pool', name, on: true } as const] : []),
            { op: 'start-pool', name },
          ]
          const summary = `define pool ${name}${needsBuild ? `, build it (${wanted.type === 'dir' ? `mkdir ${where}` : `vgcreate ${where} on ${wanted.devices.join(' ')}`})` : ''}${autostart ? ', autostart it' : ''}, start it`
          steps.push(libvirtChangeStep(summary, changes, { diff: { label: `pool ${name} (XML)`, before: '', after: xml } }))
          return { steps, reason: notes.join('; ') || undefined }
        }
        const differs = poolDifferences(pool.spec!, wanted)
        if (differs.length) {
          const diff = { label: `pool ${name} (XML)`, before: poolXml(pool.spec!, pool.uuid), after: poolXml(wanted, pool.uuid) }
          steps.push(libvirtChangeStep(`redefine pool ${name} (${differs.join(', ')}; same uuid)`, [{ op: 'define-pool', name, xml: diff.after }], { diff }))
          if (pool.state === 'running') notes.push(`pool ${name} runs its old definition until restarted (virsh pool-destroy ${name}; pool-start ${name}): guests' volumes in it are not stopped for you`)
        }
        if (needsBuild) steps.push(libvirtChangeStep(`build pool ${name}`, [{ op: 'build-pool', name }]))
        if (pool.autostart !== autostart) steps.push(libvirtChangeStep(`${autostart ? 'autostart' : 'do not autostart'} pool ${name}`, [{ op: 'autostart-pool', name, on: autostart }]))
        if (pool.state !== 'running') steps.push(libvirtChangeStep(`start pool ${name} (was ${pool.state})`, [{ op: 'start-pool', name }]))
        const reason = steps.length ? notes.join('; ') || undefined : `pool ${name} is defined as wished, built, running, ${autostart ? 'autostarted' : 'not autostarted'}`
        return { steps, reason }
      },
    },
    // `name` here is the pool's; the task's display name is derived.
    { ...opts, name: undefined },
  )
}
