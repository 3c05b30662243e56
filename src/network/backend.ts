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
import type { BridgeWish } from './wish.ts'

export interface PersistedFile {
  path: string
  content: string
}

export interface RuntimeChange {
  /** Shell commands that make the change (run detached on the host, under a confirmed apply). */
  apply: string
  /** One line for --check and the report: what the change does. */
  describe: string
  /** The links the change creates or alters: the rollback puts them back as they were. */
  links: string[]
}

export interface Restore {
  /** A shell script the host runs by itself to undo the change; every command may fail without stopping the rest. */
  script: string
  describe: string
}

export interface NetworkBackend {
  /** How a playbook names it ('ifcfg' …). */
  readonly name: string
  /** Whether this system keeps the host's network, from the facts. */
  detect(net: HostNetwork): boolean
  /** The files that persist the bridge (all of them, whether or not they change). */
  persist(w: BridgeWish): PersistedFile[]
  /** The change to the running host; undefined when it is as wished already. */
  planRuntime(w: BridgeWish, net: HostNetwork): RuntimeChange | undefined
  /** The rollback of `change`, from the state before it and the files to put back. */
  restore(change: RuntimeChange, net: HostNetwork, files: FileOriginal[]): Restore
}

/** The first backend that claims the host, or the one the playbook named. */
export function chooseBackend(backends: readonly NetworkBackend[], net: HostNetwork, forced?: string): NetworkBackend {
  if (forced !== undefined) {
    const named = backends.find((b) => b.name === forced)
    if (!named) throw new KvmplayError('validation', `unknown network backend ${JSON.stringify(forced)}: expected ${backends.map((b) => b.name).join(', ')}`)
    return named
  }
  const found = backends.find((b) => b.detect(net))
  if (!found) throw new KvmplayError('precondition', `no network backend recognises this host's network (tried ${backends.map((b) => b.name).join(', ')})`)
  return found
}
