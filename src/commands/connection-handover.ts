/**
 * Connections opened before the run (the reservations read every host's
 * guests first) handed to the run, so a host is logged in to once, not
 * twice: the first connect of a target gets the kept connection, later ones
 * (a cutover's reconnect) a new one. What the run never takes is closed.
 */
import type { Connection } from '../connection/types.ts'
import type { Target } from '../connection/target.ts'

export function connectionHandover(connect: (target: Target) => Promise<Connection>) {
  const kept = new Map<Target, Promise<Connection>>()
  return {
    keep: (target: Target, conn: Promise<Connection>) => void kept.set(target, conn),
    connect: (target: Target): Promise<Connection> => {
      const conn = kept.get(target)
      if (!conn) return connect(target)
      kept.delete(target)
      return conn
    },
    closeRest: async () => {
      const rest = [...kept.values()]
      kept.clear()
      await Promise.all(rest.map((c) => c.then((x) => x.close(), () => {})))
    },
  }
}
