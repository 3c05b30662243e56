/**
 * A network system: one way a host keeps its network — the files it reads
 * at boot, and how its running network is changed. Every bridge task goes
 * through this interface, and each system is one folder (src/network/systems/<name>/)
 * and one line of the registry (src/network/systems/index.ts):
 *
 * - claims: whether this system keeps the host's uplink, from facts;
 * - persist: the files that make the wish last across a reboot, in the system's own
 *   format — the bridge over the uplink (present) or the uplink alone (absent);
 * - planRuntime: the change that takes the running host there now;
 * - restore: what the host's own rollback puts back, and a line saying so.
 */
import type { FileOriginal } from '../core/task.ts'
import type { HostNetwork } from '../facts/network.ts'
import type { NetworkSystemFacts } from '../facts/network-system.ts'
import type { Uplink, UplinkKind } from './uplink.ts'
import type { BridgeState, BridgeWish } from './wish.ts'

/** What a system decides from: the kernel's view and the network systems' own files. */
export interface NetworkFacts {
  net: HostNetwork
  system: NetworkSystemFacts
}

export interface PersistedFile {
  path: string
  /** The whole file; absent: the file must not exist (e.g. a profile the bridge replaces). */
  content?: string
  /** Octal mode; default 0644 for a new file (NetworkManager wants 0600 keyfiles, netplan 0600 files). */
  mode?: string
}

export interface RuntimeChange {
  /** Which way the change goes, over which bridge and uplink: what its restore puts back. */
  state: BridgeState
  bridge: string
  uplink: Uplink
  /** Shell commands that make the change (run detached on the host, under a confirmed apply); exit non-zero on failure. */
  apply: string
  /** One line for --check and the report: what the change does. */
  describe: string
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

/** The links a change creates, alters or removes: the rollback puts them back as they were. */
export const changedLinks = (c: Pick<RuntimeChange, 'bridge' | 'uplink'>): string[] => [c.bridge, c.uplink.name]

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

export interface NetworkSystem<Name extends string = string> {
  /** How a playbook names it (`backend: 'ifupdown'`), and how reports say it. */
  readonly name: Name
  /** In messages: "NetworkManager", "Debian's ifupdown". */
  readonly title: string
  /**
   * The system whose runtime change serves hosts that no system claims — for a bridge that lasts
   * until the next reboot (`untilReboot`), or where the playbook names it (`backend`).
   */
  readonly fallback?: boolean
  /** The kinds of uplink it can persist a bridge over; the others are refused before anything changes. */
  readonly uplinks: readonly UplinkKind[]
  /** Its templates, under templates/ (by what each renders). */
  readonly templates: Readonly<Record<string, string>>
  /** Whether this system keeps the uplink (or the bridge over it), from the facts; a reason when it does. */
  claims(facts: NetworkFacts, uplink: Uplink, bridge: string): string | undefined
  /**
   * What the facts show of this system on a host where it does not claim the uplink ("NetworkManager
   * runs, no profile is active on eth0"); undefined where it is not there at all. A refusal lists them,
   * so the user sees why no system was chosen.
   */
  found?(facts: NetworkFacts, uplink: Uplink): string | undefined
  /**
   * The files that persist the wish in this system's own format (all of
   * them, whether or not they change; the task writes only those that do).
   * The paths must be the same before and after the bridge exists.
   */
  persist(w: BridgeWish, facts: NetworkFacts): PersistedFile[]
  /** The change to the running host; undefined when it is as wished already. */
  planRuntime(w: BridgeWish, facts: NetworkFacts, ctx?: RuntimeContext): RuntimeChange | undefined
  /** The rollback of `change`, from the state before it and the files to put back. */
  restore(change: RuntimeChange, facts: NetworkFacts, files: FileOriginal[]): Restore
}
