/**
 * Reservations within a migration run: before any task changes anything,
 * every host's guest NICs are read (read-only), the addresses allocated and
 * the file written — so a range too small for the fleet, a map conflict or
 * a host whose guests cannot be read stops the run with nothing moved, and
 * the LAN's DHCP server can have the file before the first guest reaches
 * the bridge. With --check the file is not written.
 */
import pLimit from 'p-limit'
import { KvmplayError } from '../core/errors.ts'
import { createHostRuntime } from '../core/host.ts'
import type { RunHost } from '../core/runner.ts'
import type { Connection } from '../connection/types.ts'
import type { Target } from '../connection/target.ts'
import type { NatIdentity } from './types.ts'
import { readNatIdentities } from './nat-reader.ts'
import type { NatIdentityReader } from './nat-reader.ts'
import { carriedOver } from './reservations-carry.ts'
import { exportReservations } from './reservations-export.ts'
import type { ExportOptions, Exported } from './reservations-export.ts'
import { writeIfChanged } from './reservations-write.ts'

export interface RunReservationsOptions {
  hosts: readonly RunHost[]
  vars: (h: RunHost) => Record<string, unknown>
  connect: (target: Target) => Promise<Connection>
  forks: number
  check: boolean
  playbookDir: string
  /** The NAT network the guests leave (default `default`). */
  network?: string
  read?: NatIdentityReader
  /** Takes the connection of a host read successfully, for the run to use (else it is closed). */
  keep?: (target: Target, conn: Promise<Connection>) => void
}

export interface RunReservations extends Exported {
  out?: string
  status: ReturnType<typeof writeIfChanged> | 'not written (no file named)'
}

/** Every host's guest NICs, read at most `forks` hosts at once; a host that cannot be read is an error naming it. */
async function readAll(o: RunReservationsOptions, macs: ReadonlySet<string>): Promise<NatIdentity[]> {
  const limit = pLimit(Math.max(1, o.forks))
  const read = o.read ?? readNatIdentities
  const scope = { network: o.network ?? 'default', macs }
  const failed: string[] = []
  const found = await Promise.all(
    o.hosts.map((h) =>
      limit(async () => {
        const host = createHostRuntime({ name: h.name, vars: o.vars(h), groups: h.groups, playbookDir: o.playbookDir, connect: () => o.connect(h.target) })
        try {
          const nics = await read(host, scope)
          if (o.keep) o.keep(h.target, host.connection())
          else await host.close()
          return nics
        } catch (e) {
          failed.push(`${h.name}: ${(e as Error).message}`)
          await host.close()
          return []
        }
      }),
    ),
  )
  if (failed.length) {
    throw new KvmplayError('connect', `the reservations need every host's guests, and these could not be read (nothing was changed): ${failed.sort().join('; ')}. Fix them, or leave them out with --limit`)
  }
  return found.flat()
}

export async function planRunReservations(opts: ExportOptions & { out?: string }, run: RunReservationsOptions): Promise<RunReservations> {
  const previous = opts.previous ?? []
  const nics = await readAll(run, new Set(previous.map((p) => p.mac)))
  const guests = [...nics, ...carriedOver(previous, nics, new Set(run.hosts.map((h) => h.name)))]
  const exported = exportReservations(guests, opts)
  if (!opts.out) return { ...exported, status: 'not written (no file named)' }
  return { ...exported, out: opts.out, status: writeIfChanged(opts.out, exported.text, run.check) }
}
