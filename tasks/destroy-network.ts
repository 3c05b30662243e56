/**
 * destroyNetwork: stops and undefines a libvirt network — by default
 * libvirt's `default` NAT network, the seed's last step — but refuses,
 * naming them, while any domain, running or not, still has an interface on
 * it. Ok when it is gone. `destroyDefaultNet` is its first name.
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import { libvirtChangeStep } from '../src/libvirt/changes.ts'
import type { LibvirtChange } from '../src/libvirt/changes.ts'
import { libvirtName } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { domainsOn } from './define-network.ts'
import { checkOptions, object, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface DestroyNetworkOptions extends TaskOptions {
  /** The network to destroy. Default 'default'. */
  network?: string
}

/** What destroyNetwork() takes, checked when the playbook loads (shape.ts). */
export const destroyNetworkShape = object<DestroyNetworkOptions>({ ...taskOptionFields, network: string })

/**
 * @example
 * ```ts
 * destroyNetwork()                         // libvirt's NAT 'default', once no guest uses it
 * destroyNetwork({ network: 'isolated0' })
 * ```
 */
export function destroyNetwork(opts: DestroyNetworkOptions = {}): Task {
  checkOptions('destroyNetwork', opts, destroyNetworkShape)
  const name = libvirtName(opts.network ?? 'default', 'network name')
  return defineTask(
    {
      name: `destroy network ${name}`,
      facts: () => [factRequest(libvirtFact, undefined)],
      plan: async (host) => {
        const state = await host.fact(libvirtFact, undefined)
        const net = state.networks.get(name)
        // A --check of a bare host: the package an earlier task installs may define it (Debian's does); the real run reads libvirt after it.
        if (!net) return { steps: [], reason: `network ${name} is not defined${state.available ? '' : ' (virsh is not installed yet: one its package defines is destroyed by the real run)'}` }
        const users = domainsOn(state, name)
        if (users.length) {
          throw new KvmplayError('precondition', `${host.name}: network ${name} is still used by ${users.join(', ')}; move them first (editDomainInterface) — nothing was destroyed`)
        }
        // One virsh process (or RPC session) for both: if the stop fails, the
        // undefine that still runs leaves a transient network, which a re-run stops.
        const changes: LibvirtChange[] = [...(net.active ? [{ op: 'destroy-network', name } as const] : []), ...(net.persistent ? [{ op: 'undefine-network', name } as const] : [])]
        const summary = [net.active ? `stop network ${name} (net-destroy)` : '', net.persistent ? `undefine network ${name}` : ''].filter(Boolean).join(', ')
        const steps: Step[] = [libvirtChangeStep(summary, changes, { diff: { label: `network ${name} (XML)`, before: net.xml, after: '' } })]
        return { steps }
      },
    },
    opts,
  )
}

/** The first name of destroyNetwork, kept for playbooks that use it. */
export const destroyDefaultNet = destroyNetwork
