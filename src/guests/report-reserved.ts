/**
 * The migration report with each guest's `reserved` LAN address filled in
 * from the reservations (by MAC), for the run that writes both: the report
 * then says where each guest will be found on the LAN.
 */
import type { MigrationReport } from './types.ts'
import type { Reservation } from './reservations-allocate.ts'
import { parseMigrationReport } from './read-report.ts'

export function withReserved(report: MigrationReport, reservations: readonly Reservation[]): MigrationReport {
  const byMac = new Map(reservations.map((r) => [r.mac, r.ip]))
  return { ...report, guests: report.guests.map((g) => ({ ...g, reserved: byMac.get(g.mac.toLowerCase()) ?? g.reserved })) }
}

/**
 * Each guest NIC's LAN reservation, MAC (lower case) → address, for the run
 * to look for the guests there after the move: this run's reservations over
 * those the kept report recorded (a later run, which writes none). A report
 * that cannot be read gives none here: its own section says what is wrong.
 */
export function reservedByMac(reservations: readonly Reservation[], previousReport: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (previousReport !== undefined) {
    try {
      for (const g of parseMigrationReport(previousReport, 'the kept report').guests) if (g.reserved) out.set(g.mac.toLowerCase(), g.reserved)
    } catch {
      // said by the guests' section, which reads the same file
    }
  }
  for (const r of reservations) out.set(r.mac.toLowerCase(), r.ip)
  return out
}
