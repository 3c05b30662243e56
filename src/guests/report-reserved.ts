/**
 * The migration report with each guest's `reserved` LAN address filled in
 * from the reservations (by MAC), for the run that writes both: the report
 * then says where each guest will be found on the LAN.
 */
import type { MigrationReport } from './types.ts'
import type { Reservation } from './reservations-allocate.ts'

export function withReserved(report: MigrationReport, reservations: readonly Reservation[]): MigrationReport {
  const byMac = new Map(reservations.map((r) => [r.mac, r.ip]))
  return { ...report, guests: report.guests.map((g) => ({ ...g, reserved: byMac.get(g.mac.toLowerCase()) ?? g.reserved })) }
}
