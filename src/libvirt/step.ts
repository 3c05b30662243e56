/**
 * A libvirt change as a step: made through libvirt's API over the SSH
 * connection where the host allows it (remote.ts: no virsh process, no
 * shell), else by its virsh command, which batches with the task's other
 * shell steps.
 */
import type { Connection } from '../connection/types.ts'
import { KvmplayError } from '../core/errors.ts'
import { commandStep } from '../core/step.ts'
import type { ConnectionStep, FileDiff } from '../core/task.ts'
import { LibvirtCallError } from './rpc.ts'
import { dropLibvirtSession, libvirtSession } from './remote.ts'
import type { LibvirtRemote } from './remote.ts'
import { libvirtTouches } from './virsh.ts'
import type { LibvirtTouches } from './virsh.ts'

export interface LibvirtStepOptions {
  /** The virsh script that does the same, where the API cannot be reached. */
  shell: { command: string; stdin?: string }
  /** The API calls; a LibvirtCallError fails the step with libvirt's message. */
  api(api: LibvirtRemote, conn: Connection): Promise<void>
  diff?: FileDiff
  /** The one network or domain the change touches (only it is read again after); otherwise all of libvirt's state. */
  touches?: LibvirtTouches
}

export function libvirtStep(summary: string, opts: LibvirtStepOptions): ConnectionStep {
  return {
    ...commandStep(summary, opts.shell.command, { stdin: opts.shell.stdin, touches: libvirtTouches(opts.touches), diff: opts.diff }),
    native: async (conn) => {
      const api = await libvirtSession(conn, 'rw')
      if (!api) return false
      try {
        await opts.api(api, conn)
      } catch (err) {
        if (err instanceof KvmplayError) throw err
        if (!(err instanceof LibvirtCallError)) {
          // The libvirt channel broke: if the SSH link went with it, say that (the host is unreachable).
          dropLibvirtSession(conn, 'rw', api)
          await conn.exec(':')
        }
        throw new KvmplayError('command', `${conn.host}: ${summary} failed: ${(err as Error).message}`)
      }
      return true
    },
  }
}
