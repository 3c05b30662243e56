/**
 * Keeps vaulted values out of what the run prints: every write to stdout and
 * stderr (the task lines, -v's steps, --json's events, the live line, error
 * messages) has each value decrypted from a vault replaced by a mask. Done at
 * the streams, not in each reporter, so that no line a task or an error
 * makes up can carry one out. A value shorter than MIN_LENGTH is left: masking
 * "22" or "yes" wherever it appears would garble the output for nothing.
 */
import { revealedVaultValues } from '../inventory/vault.ts'

export const VAULT_MASK = '********'
const MIN_LENGTH = 4

let cache: { size: number; forms: string[] } = { size: 0, forms: [] }

/** Each value as it may appear: itself, each of its lines, and as JSON escapes it; the longest first. */
function masked(): string[] {
  // Values are only ever added: the same count is the same set.
  if (cache.size === revealedVaultValues().size) return cache.forms
  const forms = new Set<string>()
  for (const value of revealedVaultValues()) {
    for (const v of [value, ...value.split('\n')]) {
      const t = v.trim()
      if (t.length < MIN_LENGTH) continue
      forms.add(t)
      forms.add(JSON.stringify(t).slice(1, -1))
    }
  }
  cache = { size: revealedVaultValues().size, forms: [...forms].sort((a, b) => b.length - a.length) }
  return cache.forms
}

export function hideVaultValues(text: string): string {
  for (const form of masked()) text = text.replaceAll(form, VAULT_MASK)
  return text
}

const wrapped = new WeakSet<NodeJS.WriteStream>()

/** From now on, what is written to these streams goes through hideVaultValues. */
export function keepVaultValuesOut(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (wrapped.has(stream)) continue
    wrapped.add(stream)
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(hideVaultValues(chunk), ...rest)
      if (Buffer.isBuffer(chunk)) return write(hideVaultValues(chunk.toString('utf8')), ...rest.filter((r) => typeof r === 'function'))
      return write(chunk, ...rest)
    }) as typeof stream.write
  }
}
