/**
 * The way back of a network backend (../backend.ts): the uplink persisted
 * alone in the host's own network system — the bridge's files gone, the
 * uplink's own carrying its addresses again — and the running host taken
 * from the bridge to the uplink by that system, under the same confirmed
 * apply as the bridge was. One per backend, looked up by the backend's name.
 */
import type { FileOriginal } from '../../core/task.ts'
import type { NetworkFacts, PersistedFile, Restore, RuntimeChange, RuntimeContext } from '../backend.ts'
import type { BridgeWish } from '../wish.ts'

export interface Unbridger {
  /** The backend's name ('ifcfg' …). */
  readonly name: string
  /** The files that persist the uplink alone: the bridge's absent, the uplink's with its addresses. Same paths before and after. */
  persist(w: BridgeWish, facts: NetworkFacts): PersistedFile[]
  /** The change to the running host; undefined when the bridge is gone and the uplink carries everything. */
  planRuntime(w: BridgeWish, facts: NetworkFacts, ctx?: RuntimeContext): RuntimeChange | undefined
  /** The rollback: the bridge back as it was, its files included. */
  restore(change: RuntimeChange, facts: NetworkFacts, files: FileOriginal[]): Restore
}
