/**
 * The step that changes a host's running network under the confirmed apply
 * (src/cutover/confirmed-apply.ts): the backend's change, its restore with the
 * files in the rollback's scope, the probes, libvirtd's check, the
 * verification. One shape for the bridge's way there (applyBridge) and its
 * way back (removeBridge).
 */
import type { FileOriginal, HostReach, ReachStep } from '../core/task.ts'
import { resource } from '../core/resource.ts'
import { confirmedApply } from '../cutover/confirmed-apply.ts'
import type { RuntimeChange } from './backend.ts'
import { libvirtAnswers } from './probes.ts'
import type { Probe } from './probes.ts'
import { VERIFY } from './verify.ts'

export interface NetworkCutover {
  summary: string
  change: RuntimeChange
  /** The restore script, given the files of the rollback's scope this run changed. */
  restore: (files: FileOriginal[]) => string
  timeoutSec: number
  probes: Probe[]
  /** The files the rollback puts back (where this run changed them); undefined: every file the run changed. */
  paths?: ReadonlySet<string>
}

export function networkCutoverStep(c: NetworkCutover): ReachStep {
  return {
    summary: c.summary,
    // A rollback puts files back too: those in its scope (all of them, for 'run').
    touches: [resource.links, ...(c.paths ? [...c.paths].map(resource.path) : [resource.anything])],
    reach: async (reach: HostReach) => {
      const files = reach.changedFiles().filter((f) => !c.paths || c.paths.has(f.path))
      const verdict = await confirmedApply(reach, {
        apply: c.change.apply,
        restore: c.restore(files),
        confirm: c.change.confirm,
        timeoutSec: c.timeoutSec,
        probes: c.probes,
        checks: [libvirtAnswers],
        verify: VERIFY,
        // Until confirmed, the host boots as it was: its previous files stay on disk.
        bootFiles: files,
      })
      // A probe skipped (optional, could not run) is said in the task's result.
      return verdict.includes('; ') ? verdict.slice(verdict.indexOf('; ') + 2) : undefined
    },
  }
}
