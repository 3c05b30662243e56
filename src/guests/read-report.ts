/**
 * The migration report file, read back by the way back
 * (playbooks/migrate-bridge-to-nat.play.ts): what `default` was on each host
 * before the migration, and which guests moved. Checked as it is read, so a
 * wrong or foreign file is one clear error before any host changes.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { KvmplayError } from '../core/errors.ts'
import { ipv4, mac } from '../core/validate.ts'
import type { MigrationReport, RecordedNetwork } from './types.ts'

const bad = (path: string, what: string) =>
  new KvmplayError('validation', `migration report ${path}: ${what} — name a file that \`kvmplay run … --report FILE\` wrote (a MigrationReport, src/guests/types.ts); --report may also name a new file, and the way back without 'report' defines libvirt's stock default`)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Parses and checks a report's text; `path` names it in errors. */
export function parseMigrationReport(text: string, path: string): MigrationReport {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw bad(path, `not JSON (${(err as Error).message})`)
  }
  if (!isObject(doc) || doc.kind !== 'kvmplay-migration-report') throw bad(path, "not a kvmplay migration report (no kind 'kvmplay-migration-report')")
  if (doc.version !== 1) throw bad(path, `version ${JSON.stringify(doc.version)}, this kvmplay reads version 1`)
  if (!Array.isArray(doc.guests) || !Array.isArray(doc.networks)) throw bad(path, "'guests' and 'networks' must be lists")
  doc.networks.forEach((n: unknown, i: number) => {
    if (!isObject(n) || typeof n.host !== 'string' || typeof n.name !== 'string' || typeof n.xml !== 'string' || typeof n.autostart !== 'boolean' || !Array.isArray(n.staticHosts)) {
      throw bad(path, `networks[${i}] must have host, name, xml, autostart and staticHosts`)
    }
    n.staticHosts.forEach((h: unknown, j: number) => {
      if (!isObject(h)) throw bad(path, `networks[${i}].staticHosts[${j}] is not an object`)
      try {
        mac(h.mac, 'MAC')
        ipv4(h.ip, 'IP')
      } catch (err) {
        throw bad(path, `networks[${i}].staticHosts[${j}]: ${(err as Error).message}`)
      }
    })
  })
  doc.guests.forEach((g: unknown, i: number) => {
    if (!isObject(g) || typeof g.host !== 'string' || typeof g.guest !== 'string' || typeof g.mac !== 'string') throw bad(path, `guests[${i}] must have host, guest and mac`)
  })
  return doc as unknown as MigrationReport
}

// One read per file and run: every host's task list asks for it.
const cache = new Map<string, MigrationReport>()

/** The report at `path` (relative to the working directory), read once per run. */
export function readMigrationReport(path: string): MigrationReport {
  const full = resolve(path)
  let report = cache.get(full)
  if (!report) {
    let text: string
    try {
      text = readFileSync(full, 'utf8')
    } catch (err) {
      throw bad(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
    report = parseMigrationReport(text, path)
    cache.set(full, report)
  }
  return report
}

/** What the report recorded of network `name` on `host`, if it did. */
export const recordedNetwork = (report: MigrationReport, host: string, name: string): RecordedNetwork | undefined =>
  report.networks.find((n) => n.host === host && n.name === name)

/** The MACs of the guests' NICs the report says moved from `network` on `host`. */
export const movedMacs = (report: MigrationReport, host: string, network: string): Set<string> =>
  new Set(report.guests.filter((g) => g.host === host && (g.network ?? network) === network).map((g) => g.mac.toLowerCase()))
