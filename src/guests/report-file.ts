/**
 * The guests of a migration report file (src/guests/types.ts), or of a plain
 * JSON list of NAT identities, checked enough that a wrong file is named as
 * such instead of failing later on a missing field.
 */
import { readFileSync } from 'node:fs'
import { KvmplayError } from '../core/errors.ts'
import type { MigrationReport, NatIdentity } from './types.ts'
import { parseMigrationReport } from './read-report.ts'

/** The guests, and the hosts the report covers (those of its guests and of its recorded networks). */
export function guestsOf(data: unknown, source: string): { guests: NatIdentity[]; hosts: Set<string> } {
  const report = data as Partial<MigrationReport>
  const list = Array.isArray(data) ? data : report?.kind === 'kvmplay-migration-report' ? report.guests : undefined
  if (!Array.isArray(list)) {
    throw new KvmplayError('validation', `${source} is not a kvmplay migration report (kind "kvmplay-migration-report", as kvmplay run --report writes) nor a list of guest NICs`)
  }
  // A report is checked as everything else that reads one checks it (read-report.ts).
  if (!Array.isArray(data)) parseMigrationReport(JSON.stringify(data), source)
  list.forEach((g, i) => {
    const missing = ['host', 'guest', 'mac'].filter((k) => typeof (g as Record<string, unknown>)?.[k] !== 'string')
    if (missing.length) throw new KvmplayError('validation', `${source}: guests[${i}] has no ${missing.join(', ')}`)
  })
  const guests = list as NatIdentity[]
  const networks = Array.isArray(report?.networks) ? report.networks : []
  return { guests, hosts: new Set([...guests.map((g) => g.host), ...networks.map((n) => n.host)]) }
}

export function readGuestsFile(path: string): ReturnType<typeof guestsOf> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new KvmplayError('usage', `cannot read ${path}: ${(e as Error).message}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new KvmplayError('validation', `${path} is not JSON (${(e as Error).message}): give the migration report kvmplay run --report wrote`)
  }
  return guestsOf(data, path)
}
