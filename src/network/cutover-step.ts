/**
 * The step that changes a host's running network under the confirmed apply
 * (src/cutover/confirmed-apply.ts): the backend's change, its restore with the
 * files in the rollback's scope, the probes, libvirtd's check, the
 * verification. One shape for the bridge's way there (applyBridge) and its
 * way back (removeBridge).
 */
import type { FileOriginal, HostReach, ReachStep, StagedFile } from '../core/task.ts'
import { installStaged } from '../cutover/boot-safe.ts'
import { resource } from '../core/resource.ts'
import { confirmedApply } from '../cutover/confirmed-apply.ts'
import type { RuntimeChange } from './system.ts'
import { libvirtAnswers } from './probes.ts'
import type { Probe } from '../cutover/probe.ts'
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
  /** Files staged for this change (persistBridge's): written as its first act, rolled back with it. */
  staged?: StagedFile[]
}

export function networkCutoverStep(c: NetworkCutover): ReachStep {
  const staged = c.staged ?? []
  const stagedPaths = new Set(staged.map((f) => f.path))
  return {
    summary: c.summary,
    // A rollback puts files back too: those in its scope (all of them, for 'run'), and the staged ones it wrote.
    touches: [resource.links, ...(c.paths ? [...c.paths, ...stagedPaths].map(resource.path) : [resource.anything])],
    originals: staged.map((f) => f.original),
    reach: async (reach: HostReach) => {
      // The staged files were not written before: their originals are what is on disk now, and what a rollback puts back.
      const files = [...reach.changedFiles().filter((f) => (!c.paths || c.paths.has(f.path)) && !stagedPaths.has(f.path)), ...staged.map((f) => f.original)]
      const confirmed = await confirmedApply(reach, {
        install: staged.length ? installStaged(staged) : undefined,
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
      return confirmed.skipped.length ? confirmed.skipped.join('; ') : undefined
    },
  }
}
