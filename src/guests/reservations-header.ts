/**
 * The first lines of every reservations file: what made it and how many NICs.
 * No date: the same guests give the same bytes, so a re-run changes nothing
 * and a diff of two runs shows only what moved.
 */
import type { Reservation } from './reservations-allocate.ts'

export const header = (reservations: readonly Reservation[], comment: string): string[] => [
  `${comment} LAN DHCP reservations for ${reservations.length} guest NIC(s), written by kvmplay (reservations).`,
  `${comment} kvmplay reads this file back on its next run: existing guests keep their addresses.`,
]
