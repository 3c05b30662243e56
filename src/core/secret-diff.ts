/**
 * Which file diffs a run may show. A file that others cannot read (a
 * NetworkManager profile with an 802.1x password or a Wi-Fi PSK is 0600 for
 * that reason), one on the built-in list of secret paths, or one a task
 * marks `secret` is reported without its content — by hash, line count and
 * mode — in --diff and --json alike. The runner passes every step's diff
 * through reportedDiff, so every task gets this, a user's own included.
 *
 * The rule is "not world-readable": group-readable secrets are the usual
 * way to share a credential with a service (Debian's /etc/shadow is 0640
 * root:shadow, private keys 0640 root:ssl-cert, a daemon's config with its
 * database password 0640 root:app), and a diff hidden for nothing costs less
 * than a password in a CI log.
 */
import { createHash } from 'node:crypto'
import type { FileDiff } from './task.ts'

/** What is shown of one side of a secret file. */
export interface DiffSide {
  sha256: string
  lines: number
  mode?: string
}

/** A diff whose content is not shown. */
export interface RedactedDiff {
  label: string
  redacted: true
  /** Why: "mode 0600", "secret", "secret path /etc/shadow". */
  reason: string
  before: DiffSide
  after: DiffSide
}

/** What a task's result carries: the diff, or what may be said of it. */
export type ReportedDiff = Pick<FileDiff, 'label' | 'before' | 'after'> | RedactedDiff

export const isRedacted = (d: ReportedDiff): d is RedactedDiff => 'redacted' in d && d.redacted === true

/** Paths that hold secrets whatever their mode, each with the name a reason gives it. */
const SECRET_PATHS: readonly [RegExp, string][] = [
  [/^\/etc\/g?shadow-?$/, '/etc/shadow'],
  [/^\/etc\/sudoers/, '/etc/sudoers*'],
  [/\.key$/, '*.key'],
  [/\/NetworkManager\/system-connections\//, 'NetworkManager system-connections/*'],
  [/wpa_supplicant/, 'wpa_supplicant'],
]

/** No read bit for others: the file is meant for its owner (and maybe a group) only. */
const private_ = (mode: string | undefined) => mode !== undefined && (parseInt(mode, 8) & 0o004) === 0

/** Why this diff's content may not be shown, or undefined when it may. */
export function secretReason(d: FileDiff): string | undefined {
  if (d.secret) return 'secret'
  const listed = SECRET_PATHS.find(([re]) => re.test(d.label))
  if (listed) return `secret path ${listed[1]}`
  const mode = [d.modes?.before, d.modes?.after].find(private_)
  return mode ? `mode ${mode}` : undefined
}

const lineCount = (text: string) => (text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0))

function side(text: string, mode: string | undefined): DiffSide {
  return { sha256: createHash('sha256').update(text).digest('hex'), lines: lineCount(text), ...(mode ? { mode } : {}) }
}

/** The diff as a run reports it: whole, or without its content when it is a secret's. */
export function reportedDiff(d: FileDiff): ReportedDiff {
  const reason = secretReason(d)
  if (!reason) return { label: d.label, before: d.before, after: d.after }
  return { label: d.label, redacted: true, reason, before: side(d.before, d.modes?.before), after: side(d.after, d.modes?.after) }
}
