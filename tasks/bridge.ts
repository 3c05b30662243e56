/**
 * The bridge over the uplink, in two explicit tasks:
 *
 * persistBridge (also `writeIfcfg`, its first name): persisted in the host's
 * own network system — the seed's ifcfg-br0 and ifcfg-<nic>, or
 * NetworkManager's profiles, netplan, ifupdown — with every value a user
 * would copy by hand defaulting to what the host's facts say, so
 * `persistBridge({ bridge: 'br0' })` bridges a host's uplink keeping its addresses.
 *
 * applyBridge (also `applyIfcfg`, its first name): makes the running host
 * match, as a confirmed apply: the host arms its own rollback first, the
 * change runs detached from the SSH session, and kvmplay confirms only after
 * reaching the host again and probing (src/cutover/confirmed-apply.ts).
 *
 * What the host's network system is and how it persists and changes the
 * bridge is that system's (src/network/systems/<name>/, chosen from the
 * registry, src/network/systems/index.ts); these tasks only plan.
 */
import { defineTask } from '../src/core/task.ts'
import type { StagedFile, Step, Task } from '../src/core/task.ts'
import type { Host } from '../src/core/host.ts'
import { factRequest } from '../src/facts/fact.ts'
import { fileFact } from '../src/facts/file.ts'
import { hostNetworkFact } from '../src/facts/network.ts'
import { networkSystemFact } from '../src/facts/network-system.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { fileWish, originalOf, planFile } from './file.ts'
import { DEFAULT_CONFIRM_TIMEOUT_SEC } from '../src/cutover/confirmed-apply.ts'
import { bridgeWish } from '../src/network/wish.ts'
import type { BridgeState, BridgeWish } from '../src/network/wish.ts'
import { backendOfHost, validateBridgeOptions } from '../src/network/options.ts'
import type { BridgeOptions } from '../src/network/options.ts'
import type { NetworkFacts, NetworkSystem, PersistedFile } from '../src/network/system.ts'
import { systemFor } from '../src/network/systems/index.ts'
import { probesFor } from '../src/network/probes.ts'
import { networkCutoverStep } from '../src/network/cutover-step.ts'

export type { BridgeOptions, BridgeWish }

/** The facts every bridge task plans from: the kernel's view and the network systems'. */
export const networkFacts = () => ({ net: factRequest(hostNetworkFact, undefined), system: factRequest(networkSystemFact, undefined) })

/** The wish on this host, with the bridge or without it, and the system that keeps its uplink (the playbook's backend, else the inventory's, else the host's). */
export function planFor(opts: BridgeOptions, facts: NetworkFacts, state: BridgeState, host: Pick<Host, 'name' | 'vars'>): { w: BridgeWish; system: NetworkSystem } {
  const w = bridgeWish(opts, facts.net, state)
  const forced = opts.backend ?? (opts.untilReboot ? undefined : backendOfHost(host.vars, host.name))
  return { w, system: systemFor(w, facts, { forced, untilReboot: opts.untilReboot }) }
}

/** What persisting says where untilReboot keeps the bridge off the disk. */
export const notPersisted = (bridge: string) => `${bridge} is not persisted: it lasts until the next reboot (untilReboot)`

/** applyBridge's and removeBridge's confirm timeout, checked before any host is contacted. */
export function confirmTimeoutOf(opts: BridgeOptions): number {
  const timeoutSec = opts.confirmTimeout ?? DEFAULT_CONFIRM_TIMEOUT_SEC
  if (!Number.isInteger(timeoutSec) || timeoutSec < 5 || timeoutSec > 3600) {
    throw new KvmplayError('validation', `invalid confirmTimeout ${JSON.stringify(opts.confirmTimeout)}: expected whole seconds from 5 to 3600`)
  }
  return timeoutSec
}

/**
 * The bridge persisted in the host's own network system, so it comes back at
 * the next boot: ifcfg files (the seed's), NetworkManager profiles, a netplan
 * file, an ifupdown stanza — whichever keeps the uplink there. Every value a
 * user would copy by hand defaults to what the host's facts say.
 *
 * @example
 * ```ts
 * persistBridge({ bridge: 'br0' })                                  // the uplink, keeping its addresses
 * persistBridge({ bridge: 'br0', device: 'eno1', netmask: true })   // ifcfg: NETMASK= as in the seed
 * ```
 */
export function persistBridge(opts: BridgeOptions): Task {
  validateBridgeOptions(opts, 'persistBridge')
  return defineTask(
    {
      name: `persist bridge ${opts.bridge}${opts.device ? ` over ${opts.device}` : ''}`,
      facts: networkFacts,
      plan: async (host, facts) => {
        const { w, system } = planFor(opts, facts, 'present', host)
        if (opts.untilReboot) return { steps: [], reason: notPersisted(w.bridge) }
        const files = system.persist(w, facts)
        const planned = await planPersisted(host, files)
        return { ...planned, stage: { key: bridgeKey(w.bridge), files: planned.staged }, reason: planned.steps.length ? undefined : `${files.map((f) => f.path).join(', ')} ${files.length === 1 ? 'is' : 'are'} as wished (${system.name})` }
      },
    },
    opts,
  )
}

/** The staging key of a bridge's files: persistBridge offers them, applyBridge of the same bridge takes them (Plan.stage). */
export const bridgeKey = (bridge: string) => `bridge ${bridge}`

/**
 * A network system's files against the host: the file task's steps for
 * those that differ, and the same as staged files, for the cutover that
 * takes them (the runner picks one or the other).
 */
export async function planPersisted(host: Host, files: PersistedFile[]): Promise<{ steps: Step[]; staged: StagedFile[] }> {
  const current = await host.gather(files.map((f) => factRequest(fileFact, f.path)))
  const planned = files.map((f, i) => ({ f, state: current[i], steps: planFile(fileWish(f.content === undefined ? { path: f.path, state: 'absent' } : { path: f.path, content: f.content, mode: f.mode }), current[i]) }))
  const differing = planned.filter((p) => p.steps.length)
  return {
    steps: differing.flatMap((p) => p.steps),
    staged: differing.map(({ f, state }) => ({ path: f.path, content: f.content, mode: f.mode, original: originalOf(f.path, state) })),
  }
}

/** The first name of persistBridge, from the seed, whose hosts kept their network in ifcfg files only. */
export const writeIfcfg = persistBridge

/** The files the rollback puts back, of those this run changed: the task's rollbackFiles, said plainly. */
export function rollbackScope(opts: BridgeOptions, system: NetworkSystem, w: BridgeWish, facts: NetworkFacts): { paths?: Set<string>; describe: string } {
  const scope = opts.rollbackFiles ?? 'bridge'
  if (opts.untilReboot && scope === 'bridge') return { paths: new Set(), describe: 'none (untilReboot: the bridge has no files)' }
  if (scope === 'run') return { describe: 'every file this run changed before it' }
  const paths = scope === 'bridge' ? system.persist(w, facts).map((f) => f.path) : scope
  return { paths: new Set(paths), describe: `${paths.join(', ')} where this run changed them` }
}

export function applyBridge(opts: BridgeOptions): Task {
  validateBridgeOptions(opts, 'applyBridge')
  const timeoutSec = confirmTimeoutOf(opts)
  return defineTask(
    {
      name: `apply bridge ${opts.bridge}`,
      facts: networkFacts,
      takesStaged: bridgeKey(opts.bridge),
      plan: async (host, facts) => {
        const { w, system } = planFor(opts, facts, 'present', host)
        const staged = host.takeStaged?.(bridgeKey(w.bridge)) ?? []
        const change = system.planRuntime(w, facts, { confirmTimeoutSec: timeoutSec })
        const live = `${w.uplink.name} is a port of ${w.bridge}, which carries ${w.address ?? 'the address'}/${w.prefix ?? ''} and the default route`
        // The running host is as wished already: the staged files only put that on disk.
        if (!change) return staged.length ? { steps: (await planPersisted(host, staged)).steps, reason: `${live}; its files written` } : { steps: [], reason: live }
        const scope = rollbackScope(opts, system, w, facts)
        const step = networkCutoverStep({
          summary: `bring up ${w.bridge} over ${w.uplink.name}${w.address ? `, moving ${w.address}/${w.prefix} and the default route` : ''} (${system.name}, confirmed within ${timeoutSec} s)`,
          change,
          restore: (files) => system.restore(change, facts, files).script,
          timeoutSec,
          probes: probesFor(w, opts.probes ?? []),
          paths: scope.paths,
          staged,
        })
        const steps: Step[] = [step]
        return { steps, reason: `${change.describe}. Rollback unless confirmed within ${timeoutSec} s restores: ${system.restore(change, facts, []).describe}; and files: ${scope.describe}` }
      },
    },
    opts,
  )
}

/** The first name of applyBridge, kept for playbooks that use it. */
export const applyIfcfg = applyBridge
