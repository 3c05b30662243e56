/**
 * `kvmplay reservations REPORT.json --range … --format …`: the LAN DHCP
 * server's reservations for the guests of a migration report, to stdout or
 * a file (read back first, so existing guests keep their addresses).
 */
import type { Argv, CommandModule } from 'yargs'
import { BAD_INPUT_KINDS, isKvmplayError } from '../core/errors.ts'
import { EXIT } from '../core/exit-codes.ts'
import { readGuestsFile } from '../guests/report-file.ts'
import { exportReservations, RESERVATION_FORMATS } from '../guests/reservations-export.ts'
import type { ReservationFormat } from '../guests/reservations-export.ts'
import { carriedOver } from '../guests/reservations-carry.ts'
import { resolveSpec } from '../guests/reservations-spec.ts'
import { writeIfChanged } from '../guests/reservations-write.ts'

interface ReservationsArgs {
  report: string
  range?: string
  exclude?: string[]
  map?: string
  format: ReservationFormat
  subnet?: string
  fragment?: boolean
  out?: string
  previous?: string
}

export const reservationsCommand: CommandModule<object, ReservationsArgs> = {
  command: 'reservations <report>',
  describe: "Reservations for the LAN's DHCP server (dnsmasq, ISC dhcpd, Kea) for the guests of a migration report",
  builder: (y) =>
    (y as Argv)
      .positional('report', { type: 'string', demandOption: true, describe: 'The migration report (kvmplay run --report FILE), or a JSON list of guest NICs' })
      .option('range', { type: 'string', describe: 'LAN addresses to give: 198.51.100.50-198.51.100.99, 198.51.100.0/24, or comma-separated pieces' })
      .option('exclude', { type: 'string', array: true, describe: 'Addresses of the range not to give (gateway, hosts): addresses, ranges or CIDRs (repeatable)' })
      .option('map', { type: 'string', describe: 'YAML file of MAC or host/guest → address (wins over the range)' })
      .option('format', { type: 'string', choices: RESERVATION_FORMATS, demandOption: true, describe: 'dnsmasq (dhcp-host lines, for conf-dir), dnsmasq-hosts (MAC,IP,NAME lines, for --dhcp-hostsdir: reread without a restart), isc (dhcpd host blocks), kea (kea-dhcp4 JSON)' })
      .option('subnet', { type: 'string', describe: "The LAN's subnet (CIDR) a complete isc or kea configuration declares (default: the range, when it is a CIDR)" })
      .option('fragment', { type: 'boolean', describe: 'isc, kea: only the reservations, to include in a configuration of your own' })
      .option('out', { alias: 'o', type: 'string', describe: 'Write to this file (read back first: existing guests keep their addresses); default stdout' })
      .option('previous', { type: 'string', describe: 'Read back this reservations file instead of --out' })
      .example('$0 reservations report.json --range 198.51.100.50-198.51.100.99 --format dnsmasq -o /etc/dnsmasq.d/guests.conf', 'dnsmasq dhcp-host lines')
      .example('$0 reservations report.json --range 198.51.100.0/24 --exclude 198.51.100.1 --format kea -o kea-dhcp4.json', 'a complete kea-dhcp4 configuration')
      .example('$0 reservations report.json --map guests.yaml --range 198.51.100.50-198.51.100.99 --subnet 198.51.100.0/24 --format isc', 'a minimal dhcpd.conf, some guests mapped') as unknown as Argv<ReservationsArgs>,
  handler: async (args) => {
    try {
      const { guests, hosts } = readGuestsFile(args.report)
      const opts = resolveSpec({ ...args, map: args.map }, 'kvmplay reservations')
      // Guests of hosts the report does not cover keep their reservations (a report of a --limit run).
      const all = [...guests, ...carriedOver(opts.previous ?? [], guests, hosts)]
      const { text, reservations, notes } = exportReservations(all, opts)
      for (const n of notes) process.stderr.write(`kvmplay reservations: ${n}\n`)
      if (!args.out) process.stdout.write(text)
      else process.stderr.write(`kvmplay reservations: ${reservations.length} guest NIC(s), ${args.out} ${writeIfChanged(args.out, text)}\n`)
    } catch (err) {
      const e = err as Error & { exitCode?: number }
      e.exitCode = isKvmplayError(e) && BAD_INPUT_KINDS.has(e.kind) ? EXIT.BAD_INPUT : EXIT.ERROR
      throw e
    }
  },
}
