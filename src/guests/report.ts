/**
 * The migration report as a report section (src/core/section.ts): the
 * guests' NAT identities recorded before the move and what is known after
 * it, folded over the run's hosts into a MigrationReport (types.ts), printed
 * after the recap and written to `--report FILE`. A later run (the second,
 * which finds the guests already on the bridge) keeps what the file recorded
 * and brings each guest's "after" up to date.
 */
import { parseMigrationReport } from './read-report.ts'
import type { Contribution, ReportSection } from '../core/section.ts'
import type { AfterMove } from './identity.ts'
import type { GuestReport, MigrationReport, NatIdentity, RecordedNetwork } from './types.ts'

export type GuestsContribution =
  /** Before the move: the NICs on the NAT network, the network itself, where they go. */
  | { phase: 'before'; identities: NatIdentity[]; network?: RecordedNetwork; toBridge: string }
  /** After the move: every NIC on the bridge and what is known of its address. */
  | { phase: 'after'; moved: AfterMove[] }

export interface GuestsResult {
  /** A --check run: nothing moved. */
  check: boolean
  /** This run's report, over the previous report file's where there was one (mergeReports). */
  report: MigrationReport
  /** NICs found on the bridge whose NAT identity neither this run nor the previous report file recorded. */
  later: AfterMove[]
  /** How the play ended on hosts where it did not run to its end (section.ts): why a guest's "after" is missing. */
  ended?: Record<string, string>
}

const key = (g: { host: string; guest: string; mac: string }) => `${g.host}\0${g.guest}\0${g.mac}`

function combine(contributions: readonly Contribution<GuestsContribution>[], check: boolean, now = new Date()): GuestsResult {
  const guests = new Map<string, GuestReport>()
  const networks: RecordedNetwork[] = []
  const later: AfterMove[] = []
  for (const { value } of contributions) {
    if (value.phase !== 'before') continue
    for (const id of value.identities) guests.set(key(id), { ...id, toBridge: value.toBridge })
    if (value.network) networks.push(value.network)
  }
  for (const { value } of contributions) {
    if (value.phase !== 'after') continue
    for (const m of value.moved) {
      const g = guests.get(key(m))
      if (g) guests.set(key(m), { ...g, toBridge: m.toBridge, after: m.after })
      else later.push(m)
    }
  }
  return { check, later, report: { kind: 'kvmplay-migration-report', version: 1, generated: now.toISOString(), guests: [...guests.values()], networks } }
}

/** The run's result over the previous report file's: its guests kept (their "after" brought up to date), "later" only what it does not know either. */
function overPrevious(result: GuestsResult, previous: MigrationReport): GuestsResult {
  const known = new Set(previous.guests.map(key))
  return { ...result, report: mergeReports(result, previous), later: result.later.filter((m) => !known.has(key(m))) }
}

const how: Record<NatIdentity['assignedBy'], string> = {
  lease: 'lease',
  static: 'static entry',
  'configured-inside': 'configured inside',
  none: 'no address known',
}

/** How a guest NIC got its NAT address, in words ("none" alone read as a bug: it means no lease, static entry or neighbour entry names it). */
export const assignmentWords = (g: Pick<NatIdentity, 'assignedBy'>): string =>
  g.assignedBy === 'none' ? 'no address known (no lease, static entry or neighbour entry)' : how[g.assignedBy]

function describeBefore(g: NatIdentity): string {
  const details = [g.hostname, g.leaseExpiry ? `lease until ${g.leaseExpiry}` : '', g.seen === undefined ? g.state : g.seen ? 'answers' : 'does not answer'].filter(Boolean)
  return `${how[g.assignedBy]}${g.address ? ` ${g.address}` : ''} (${details.join(', ')})`
}

function describeAfter(g: GuestReport, check: boolean, ended: Readonly<Record<string, string>> = {}): string {
  // Why it is missing, as the run knows it: never a failed task the host did not have.
  const why = ended[g.host] ? `the play of ${g.host} ${ended[g.host]}` : `the play of ${g.host} ended before it could be`
  if (!g.after) return check ? `would move to ${g.toBridge}` : `${g.toBridge}: not recorded (${why}; the next run brings it up to date)`
  // Heard on the bridge at its NAT address: no LAN address yet (configured inside, or its client has not asked the LAN).
  if (g.after.source === 'neighbour' && g.after.address === g.address) return `${g.toBridge}: still ${g.address}, its NAT address (neighbour table): no LAN address yet`
  return `${g.toBridge}: ${g.after.source === 'unknown' ? 'unknown yet' : `${g.after.address} (${g.after.source === 'guest-agent' ? 'guest agent' : 'neighbour table'})`}`
}

/** What the user must do about a guest configured inside, once, in words. */
export const losesAddressAdvice = (g: NatIdentity, to: string) =>
  `${g.guest} on ${g.host} (${g.mac}) has ${g.address} configured inside the guest (no lease, no static entry on ${g.network}): on ${to} it keeps that address, which the LAN does not give or route, and is unreachable until it is changed from the guest's console`

function render(r: GuestsResult): string[] {
  const rows = r.report.guests
  if (rows.length === 0 && r.later.length === 0) return ['GUESTS: no guest NIC on the NAT network']
  const lines = [`GUESTS (NAT identity before the move → after)${r.check ? ' — check: nothing moved' : ''}`]
  const w = (xs: string[]) => Math.max(...xs.map((x) => x.length))
  const hw = w([...rows, ...r.later].map((g) => g.host))
  const gw = w([...rows, ...r.later].map((g) => g.guest))
  for (const g of rows) lines.push(`${g.host.padEnd(hw)}  ${g.guest.padEnd(gw)}  ${g.mac}  ${g.network}: ${describeBefore(g)} → ${describeAfter(g, r.check, r.ended)}`)
  for (const m of r.later) {
    const now = m.after.source === 'unknown' ? 'unknown yet' : `${m.after.address} (${m.after.source === 'guest-agent' ? 'guest agent' : 'neighbour table'})`
    lines.push(`${m.host.padEnd(hw)}  ${m.guest.padEnd(gw)}  ${m.mac}  on ${m.toBridge} already (its NAT identity was recorded by an earlier run whose report this run did not find — kept per inventory, so another -i, or a --report FILE of its own: give that file with --report) → ${m.toBridge}: ${now}`)
  }
  const losing = rows.filter((g) => g.assignedBy === 'configured-inside')
  for (const g of losing) lines.push(`LOSES ITS ADDRESS: ${losesAddressAdvice(g, g.toBridge ?? 'the bridge')}`)
  return lines
}

/** A previous report file, checked as the way back checks it (read-report.ts): the same kind and version, or a clear error (nothing is overwritten). */
export const parseReportFile = (text: string, path = 'the report file'): MigrationReport => parseMigrationReport(text, path)

/**
 * This run's report over the file's: guests and networks this run recorded
 * replace theirs; the others are kept, a kept guest's "after" brought up to
 * date where this run saw it on the bridge.
 */
export function mergeReports(current: Pick<GuestsResult, 'report' | 'later'>, previous: MigrationReport | undefined): MigrationReport {
  if (!previous) return current.report
  const seen = new Map(current.later.map((m) => [key(m), m]))
  const recorded = new Set(current.report.guests.map(key))
  const kept = previous.guests
    .filter((g) => !recorded.has(key(g)))
    .map((g) => {
      const m = seen.get(key(g))
      return m ? { ...g, toBridge: m.toBridge, after: m.after } : g
    })
  const netKey = (n: RecordedNetwork) => `${n.host}\0${n.name}`
  const nets = new Set(current.report.networks.map(netKey))
  return {
    ...current.report,
    guests: [...kept, ...current.report.guests],
    networks: [...previous.networks.filter((n) => !nets.has(netKey(n))), ...current.report.networks],
  }
}

export const guestsSection: ReportSection<GuestsContribution, GuestsResult> = {
  name: 'guests',
  combine: (contributions, check, previous, ended) => {
    const result = { ...combine(contributions, check), ...(ended && Object.keys(ended).length ? { ended: { ...ended } } : {}) }
    return previous === undefined ? result : overPrevious(result, parseReportFile(previous, 'the --report file'))
  },
  render,
  file: (result) => JSON.stringify(result.report, null, 2) + '\n',
}
