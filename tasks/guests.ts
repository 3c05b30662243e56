/**
 * recordGuests: the guests' side of a migration from a NAT network to a
 * bridge, for the run's migration report (src/guests/report.ts). Two tasks
 * that change nothing: `before`, placed before the move, records each guest
 * NIC's NAT identity (MAC, lease, static entry, whether it answers) and the
 * network as it is; `after`, placed after it, what is known of each address
 * on the bridge (the guest agent's, else the neighbour table's, else unknown
 * yet). A NIC with a LAN reservation (the run's --reservations-*, or the
 * kept report's) is looked for at it: the hypervisor asks the reserved
 * address out of the bridge, waiting a little for guests still taking their
 * lease after the move. `--check` shows the identities; `--report FILE`
 * writes them.
 */
import { defineTask } from '../src/core/task.ts'
import type { Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import { agentAddressesFact, natAddressesFact, neighboursFact, reservedNeighboursFact, MAX_RESERVED_WAIT_SECONDS } from '../src/facts/guests.ts'
import type { AgentAddresses } from '../src/facts/guests.ts'
import { afterMove, hasGuestAgent, natIdentities, recordNetwork } from '../src/guests/identity.ts'
import { assignmentWords, guestsSection } from '../src/guests/report.ts'
import { interfaceName, libvirtName } from '../src/core/validate.ts'
import { checkOptions, number, object, required, string } from '../src/core/shape.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface RecordGuestsOptions extends TaskOptions {
  /** The NAT network the guests leave. Default 'default'. */
  network?: string
  /** The bridge they move to. */
  bridge: string
  /**
   * Seconds `after` keeps asking for guests with a LAN reservation that do
   * not answer at it yet (taking their lease after the move: editDomainInterface
   * bounces their link). Only for guests that took their NAT address by DHCP
   * in this run's `before` (a lease or a static entry): a guest configured
   * inside, or one moved by an earlier run, is asked once. Default 15; 0
   * asks once; at most 60.
   */
  waitForReserved?: number
}

/** What recordGuests() takes, checked when the playbook loads (shape.ts). */
export const recordGuestsShape = object<RecordGuestsOptions>({ ...taskOptionFields, network: string, bridge: required(string), waitForReserved: number })

const DEFAULT_RESERVED_WAIT_SECONDS = 15

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
  const wait = opts.waitForReserved ?? DEFAULT_RESERVED_WAIT_SECONDS
  if (!Number.isFinite(wait) || wait < 0 || wait > MAX_RESERVED_WAIT_SECONDS) {
    throw new KvmplayError('validation', `recordGuests: waitForReserved must be 0 to ${MAX_RESERVED_WAIT_SECONDS} seconds, not ${wait}`)
  }
  // Per host, the MACs `before` found taking their NAT address by DHCP: the guests whose client asks again on the bridge.
  const askedByDhcp = new Map<string, Set<string>>()
  const before = defineTask(
    {
      name: `record the guests' NAT identity on ${network}`,
      facts: () => ({ state: factRequest(libvirtFact, undefined), nat: factRequest(natAddressesFact, network) }),
      plan: (host, { state, nat }) => {
        const identities = natIdentities(host.name, state, network, nat)
        askedByDhcp.set(host.name, new Set(identities.filter((g) => g.assignedBy === 'lease' || g.assignedBy === 'static').map((g) => g.mac.toLowerCase())))
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
        // Guests on the bridge with a reservation are asked at it (nothing to ask under --check: none moved).
        const onBridge = afterMove(host.name, state, bridge, neighbours, agents)
        const dhcp = askedByDhcp.get(host.name)
        const reserved = onBridge.flatMap((m): [string, string, boolean][] => {
          const ip = m.after.source === 'unknown' && m.state === 'running' ? host.reservedAddress?.(m.mac) : undefined
          return ip ? [[m.mac, ip, dhcp?.has(m.mac.toLowerCase()) ?? false]] : []
        })
        const asked = reserved.length ? await host.fact(reservedNeighboursFact, { bridge, reserved: reserved.sort(), waitSeconds: wait }) : neighbours
        const moved = reserved.length ? afterMove(host.name, state, bridge, asked, agents) : onBridge
        host.contribute?.(guestsSection, { phase: 'after', moved })
        const known = moved.filter((m) => m.after.source !== 'unknown')
        return { steps: [], reason: `${moved.length} guest NIC(s) on ${bridge}, ${known.length} with a known address${known.length ? `: ${known.map((m) => `${m.guest} ${m.after.address}`).join(', ')}` : ''}` }
      },
    },
    { ...opts, name: opts.name ? `${opts.name} (after)` : undefined },
  )
  return { before, after }
}
