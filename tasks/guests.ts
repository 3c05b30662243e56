/**
 * recordGuests: the guests' side of a migration from a NAT network to a
 * bridge, for the run's migration report (src/guests/report.ts). Two tasks
 * that change nothing: `before`, placed before the move, records each guest
 * NIC's NAT identity (MAC, lease, static entry, whether it answers) and the
 * network as it is; `after`, placed after it, what is known of each address
 * on the bridge (the guest agent's, else the neighbour table's, else unknown
 * yet). `--check` shows the identities; `--report FILE` writes them.
 */
import { defineTask } from '../src/core/task.ts'
import type { Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import { agentAddressesFact, natAddressesFact, neighboursFact } from '../src/facts/guests.ts'
import type { AgentAddresses } from '../src/facts/guests.ts'
import { afterMove, hasGuestAgent, natIdentities, recordNetwork } from '../src/guests/identity.ts'
import { assignmentWords, guestsSection } from '../src/guests/report.ts'
import { interfaceName, libvirtName } from '../src/core/validate.ts'
import { checkOptions, object, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface RecordGuestsOptions extends TaskOptions {
  /** The NAT network the guests leave. Default 'default'. */
  network?: string
  /** The bridge they move to. */
  bridge: string
}

/** What recordGuests() takes, checked when the playbook loads (shape.ts). */
export const recordGuestsShape = object<RecordGuestsOptions>({ ...taskOptionFields, network: string, bridge: required(string) })

/**
 * @example
 * ```ts
 * const guests = recordGuests({ bridge: 'br0' })
 * tasks: [guests.before, …the move…, destroyNetwork(), guests.after]
 * ```
 */
export function recordGuests(opts: RecordGuestsOptions): { before: Task; after: Task } {
  checkOptions('recordGuests', opts, recordGuestsShape)
  const network = libvirtName(opts.network ?? 'default', 'network name')
  const bridge = interfaceName(opts.bridge, 'bridge')
  const before = defineTask(
    {
      name: `record the guests' NAT identity on ${network}`,
      facts: () => ({ state: factRequest(libvirtFact, undefined), nat: factRequest(natAddressesFact, network) }),
      plan: (host, { state, nat }) => {
        const identities = natIdentities(host.name, state, network, nat)
        host.contribute?.(guestsSection, { phase: 'before', identities, network: recordNetwork(host.name, state, network), toBridge: bridge })
        const list = identities.map((g) => `${g.guest} ${assignmentWords(g)}${g.address ? ` ${g.address}` : ''}`)
        return { steps: [], reason: identities.length ? `${identities.length} guest NIC(s) on ${network}: ${list.join(', ')}` : `no guest NIC on ${network}` }
      },
    },
    opts,
  )
  const after = defineTask(
    {
      name: `record the guests' addresses on ${bridge}`,
      facts: () => ({ state: factRequest(libvirtFact, undefined), neighbours: factRequest(neighboursFact, bridge) }),
      plan: async (host, { state, neighbours }) => {
        // Only a guest with an agent channel can answer: no virsh for the others.
        const agents = new Map<string, AgentAddresses>()
        for (const d of state.domains.values()) {
          const bridged = (d.liveInterfaces ?? []).some((i) => i.type === 'bridge' && i.source === bridge)
          if (bridged && hasGuestAgent(d)) agents.set(d.name, await host.fact(agentAddressesFact, d.name))
        }
        const moved = afterMove(host.name, state, bridge, neighbours, agents)
        host.contribute?.(guestsSection, { phase: 'after', moved })
        const known = moved.filter((m) => m.after.source !== 'unknown')
        return { steps: [], reason: `${moved.length} guest NIC(s) on ${bridge}, ${known.length} with a known address${known.length ? `: ${known.map((m) => `${m.guest} ${m.after.address}`).join(', ')}` : ''}` }
      },
    },
    { ...opts, name: opts.name ? `${opts.name} (after)` : undefined },
  )
  return { before, after }
}
