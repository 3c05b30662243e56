/**
 * A network backend: one way a host keeps its network — the files it
 * reads at boot, and how its running network is changed. Every bridge task
 * goes through this interface, so a new system (NetworkManager, ifupdown,
 * netplan) is one more implementation, not a change to the tasks:
 *
 * - detect: whether this system owns the host's uplink, from facts;
 * - persist: the files that make the bridge survive a reboot, in the system's own format;
 * - planRuntime: the commands that take the running host to the bridge now;
 * - restore: what the host's own rollback puts back, and a line saying so.
 */
import { KvmplayError } from '../core/errors.ts'
import type { FileOriginal } from '../core/task.ts'
import type { HostNetwork } from '../facts/network.ts'
import type { NetworkSystem } from '../facts/network-system.ts'
import type { BridgeWish } from './wish.ts'

/** What a backend decides from: the kernel's view and the network systems' own. */
export interface NetworkFacts {
  net: HostNetwork
  system: NetworkSystem
}

export interface PersistedFile {
  path: string
  /** The whole file; absent: the file must not exist (e.g. a profile the bridge replaces). */
  content?: string
  /** Octal mode; default 0644 for a new file (NetworkManager wants 0600 keyfiles, netplan 0600 files). */
  mode?: string
}

export interface RuntimeChange {
  /** Shell commands that make the change (run detached on the host, under a confirmed apply); exit non-zero on failure. */
  apply: string
  /** One line for --check and the report: what the change does. */
  describe: string
  /** The links the change creates or alters: the rollback puts them back as they were. */
  links: string[]
  /**
   * Shell commands the confirmation runs, once the change is proven (e.g.
   * destroying a NetworkManager checkpoint, so NetworkManager does not roll
   * back by itself). Its failure does not undo a confirmed change.
   */
  confirm?: string
  /**
   * Shell commands the rollback runs first, before the links and files are
   * put back (e.g. rolling back a NetworkManager checkpoint).
   */
  rollback?: string
}

/** What a runtime change may need to know of the cutover it runs under. */
export interface RuntimeContext {
  /** Seconds the host waits for the confirmation (a system with a rollback timer of its own, as NetworkManager's checkpoints, counts them too). */
  confirmTimeoutSec?: number
}

export interface Restore {
  /** A shell script the host runs by itself to undo the change; every command may fail without stopping the rest. */
  script: string
  describe: string
}

export interface NetworkBackend {
  /** How a playbook names it ('ifcfg' …). */
  readonly name: string
  /** The backend of hosts that no system claims (the kernel's state is all there is). */
  readonly fallback?: boolean
  /** Whether this system keeps the uplink `device` (or the bridge over it), from the facts; a reason when it does. */
  detect(facts: NetworkFacts, device: string, bridge: string): string | undefined
  /**
   * The files that persist the bridge in this system's own format (all of
   * them, whether or not they change; the task writes only those that do).
   * The paths must be the same before and after the bridge exists.
   */
  persist(w: BridgeWish, facts: NetworkFacts): PersistedFile[]
  /** The change to the running host; undefined when it is as wished already. */
  planRuntime(w: BridgeWish, facts: NetworkFacts, ctx?: RuntimeContext): RuntimeChange | undefined
  /** The rollback of `change`, from the state before it and the files to put back. */
  restore(change: RuntimeChange, facts: NetworkFacts, files: FileOriginal[]): Restore
}

/**
 * The backend that keeps this host's uplink: the one the playbook named (it
 * must run here), else the one system that claims the uplink, else the
 * fallback. Two systems claiming it is an error naming both, before anything
 * changes: kvmplay would persist the bridge where the other overrides it.
 */
export function chooseBackend(backends: readonly NetworkBackend[], facts: NetworkFacts, device: string, bridge: string, forced?: string): NetworkBackend {
  const names = backends.map((b) => b.name).join(', ')
  const fallback = backends.find((b) => b.fallback)
  if (forced !== undefined) {
    const named = backends.find((b) => b.name === forced)
    if (!named) throw new KvmplayError('validation', `unknown network backend ${JSON.stringify(forced)}: expected ${names}`)
    if (named !== fallback && !named.detect(facts, device, bridge)) {
      throw new KvmplayError('precondition', `backend ${forced} was asked for, but ${forced} does not keep ${device} on this host; nothing was changed`)
    }
    return named
  }
  const claims = backends.filter((b) => b !== fallback).flatMap((b) => {
    const why = b.detect(facts, device, bridge)
    return why ? [{ b, why }] : []
  })
  if (claims.length > 1) {
    throw new KvmplayError('precondition', `${device} is claimed by ${claims.map((c) => `${c.b.name} (${c.why})`).join(' and by ')}: say which with backend, or remove one; nothing was changed`)
  }
  const chosen = claims[0]?.b ?? fallback
  if (!chosen) throw new KvmplayError('precondition', `no network backend recognises this host's network (tried ${names})`)
  return chosen
}
