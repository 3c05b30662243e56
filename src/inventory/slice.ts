/**
 * `--slice I/N`: the share of the selected hosts that worker I of N runs, so
 * that N workers (a Kubernetes Indexed Job, a CI matrix) together cover each
 * host exactly once. A host's slice comes from a hash of its name alone, not
 * from its place in the list: adding or removing hosts, or a different
 * `--limit`, never moves the others to another worker (what a worker already
 * holds — its known_hosts, its logs — stays its own). The shares are even on
 * average, not exactly: with 20 hosts and 4 workers, 3 to 7 each is usual.
 */
import { createHash } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'

export interface Slice {
  /** 1 … of */
  index: number
  of: number
}

/** "2/4" → { index: 2, of: 4 }; the first of four is 1/4 (a zero-based index such as JOB_COMPLETION_INDEX + 1). */
export function parseSlice(text: string): Slice {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  const index = Number(m?.[1])
  const of = Number(m?.[2])
  if (!m || of < 1 || index < 1 || index > of) {
    throw new KvmplayError('usage', `invalid --slice '${text}': give I/N with 1 ≤ I ≤ N, e.g. --slice 1/4 for the first of four workers (from a zero-based index: --slice $((JOB_COMPLETION_INDEX + 1))/4)`)
  }
  return { index, of }
}

/** Which slice (1 … of) a host belongs to: the first 6 bytes of the SHA-256 of its name, modulo `of`. */
export const sliceOf = (host: string, of: number): number => (createHash('sha256').update(host).digest().readUIntBE(0, 6) % of) + 1

/** The hosts of `names` in slice `s`, in their order. */
export const inSlice = (names: string[], s: Slice): string[] => names.filter((n) => sliceOf(n, s.of) === s.index)
