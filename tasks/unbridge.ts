/**
 * The way back of the bridge tasks (./bridge.ts), in two explicit tasks:
 *
 * persistBridgeRemoval: the uplink persisted alone in the host's own network
 * system — the bridge's files (ifcfg-br0, its keyfile, its ifupdown stanza)
 * gone, the uplink's own carrying its addresses again — so the next boot
 * brings the host up without the bridge.
 *
 * removeBridge: the running host taken from the bridge to the uplink alone,
 * by that system, as a confirmed apply (src/cutover/confirmed-apply.ts): the
 * host arms its own rollback, the change runs detached, kvmplay confirms only
 * after reaching the host again and probing; a power cycle before the
 * confirmation boots the host as it was, bridged.
 *
 * Both refuse while a guest — running or not — still has a NIC on the
 * bridge, naming it: move the guests first (editDomainInterface). The wish
 * is the bridge tasks' own (bridgeWish): the same values before and after.
 */
import { defineTask } from '../src/core/task.ts'
import type { Task } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import type { LibvirtState } from '../src/facts/libvirt.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { validateBridgeOptions } from '../src/network/options.ts'
import type { BridgeOptions } from '../src/network/options.ts'
import { confirmTimeoutOf, networkFacts, planFor, planPersisted, rollbackScope } from './bridge.ts'
import { probesFor } from '../src/network/probes.ts'
import { networkCutoverStep } from '../src/network/cutover-step.ts'

/** The staging key of the way back's files: persistBridgeRemoval offers them, removeBridge takes them (Plan.stage). */
const removalKey = (bridge: string) => `bridge ${bridge} removal`

const facts = () => ({ ...networkFacts(), libvirt: factRequest(libvirtFact, undefined) })

/** The guests with a NIC on the bridge (directly, or through a libvirt network over it), persistent or live. */
export function guestsOnBridge(state: LibvirtState, bridge: string): string[] {
  const overIt = new Set([...state.networks.values()].filter((n) => n.spec.bridge === bridge).map((n) => n.name))
  return [...state.domains.values()]
    .filter((d) => [...d.interfaces, ...(d.liveInterfaces ?? [])].some((i) => (i.type === 'bridge' && i.source === bridge) || (i.type === 'network' && overIt.has(i.source ?? ''))))
    .map((d) => (d.state === 'running' ? `${d.name} (running)` : d.name))
}

function refuseWhileGuests(state: LibvirtState, bridge: string, host: string) {
  const users = guestsOnBridge(state, bridge)
  if (users.length) throw new KvmplayError('precondition', `${host}: ${bridge} is still used by ${users.join(', ')}; move them first (editDomainInterface) — nothing was changed`)
}

/**
 * @example
 * ```ts
 * persistBridgeRemoval({ bridge: 'br0' })   // ifcfg-br0 gone, ifcfg-eth0 with the address (or the keyfiles, the ifupdown stanza)
 * ```
 */
export function persistBridgeRemoval(opts: BridgeOptions): Task {
  validateBridgeOptions(opts, 'persistBridgeRemoval')
  return defineTask(
    {
      name: `persist ${opts.device ?? 'the uplink'} without bridge ${opts.bridge}`,
      facts,
      plan: async (host, f) => {
        refuseWhileGuests(f.libvirt, opts.bridge, host.name)
        const { w, system } = planFor(opts, f, 'absent', host)
        if (opts.untilReboot) return { steps: [], reason: `${w.bridge}'s removal is not persisted (untilReboot)` }
        const files = system.persist(w, f)
        const planned = await planPersisted(host, files)
        return {
          steps: planned.steps,
          stage: { key: removalKey(w.bridge), files: planned.staged },
          reason: planned.steps.length ? undefined : `${files.map((x) => x.path).join(', ')} as wished, without ${w.bridge} (${system.name})`,
        }
      },
    },
    opts,
  )
}

/**
 * @example
 * ```ts
 * removeBridge({ bridge: 'br0' })                      // eth0 carries the address again, br0 deleted, confirmed within 60 s
 * removeBridge({ bridge: 'br0', confirmTimeout: 30 })
 * ```
 */
export function removeBridge(opts: BridgeOptions): Task {
  validateBridgeOptions(opts, 'removeBridge')
  const timeoutSec = confirmTimeoutOf(opts)
  return defineTask(
    {
      name: `remove bridge ${opts.bridge}`,
      facts,
      takesStaged: removalKey(opts.bridge),
      plan: async (host, f) => {
        refuseWhileGuests(f.libvirt, opts.bridge, host.name)
        const { w, system } = planFor(opts, f, 'absent', host)
        const staged = host.takeStaged?.(removalKey(w.bridge)) ?? []
        const change = system.planRuntime(w, f, { confirmTimeoutSec: timeoutSec })
        const live = `there is no ${w.bridge}; ${w.uplink.name} carries ${w.address ?? 'the address'}${w.prefix !== undefined ? `/${w.prefix}` : ''} and the default route`
        if (!change) return staged.length ? { steps: (await planPersisted(host, staged)).steps, reason: `${live}; its files written` } : { steps: [], reason: live }
        // What the rollback puts back: the uplink's persisted files, where this run changed them (or as rollbackFiles says).
        const scope = rollbackScope(opts, system, w, f)
        const step = networkCutoverStep({
          summary: `remove ${w.bridge}: ${w.uplink.name} carries ${w.address ? `${w.address}/${w.prefix} and ` : ''}the default route again (${system.name}, confirmed within ${timeoutSec} s)`,
          change,
          restore: (files) => system.restore(change, f, files).script,
          timeoutSec,
          probes: probesFor(w, opts.probes ?? []),
          paths: scope.paths,
          staged,
        })
        return { steps: [step], reason: `${change.describe}. Rollback unless confirmed within ${timeoutSec} s restores: ${system.restore(change, f, []).describe}; and files: ${scope.describe}` }
      },
    },
    opts,
  )
}
