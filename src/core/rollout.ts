/**
 * Rolling batches, Ansible's `serial`: a number, a percentage of the hosts,
 * or a list of them for a canary first (`[1, '10%', '100%']`); the last size
 * repeats until every host had its turn.
 */
import { KvmplayError } from './errors.ts'

export type Serial = number | string | (number | string)[]

function size(spec: number | string, total: number): number {
  const text = String(spec).trim()
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text)
  const n = pct ? Math.floor((total * Number(pct[1])) / 100) : /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isFinite(n) || (pct ? Number(pct[1]) <= 0 || Number(pct[1]) > 100 : n <= 0)) {
    throw new KvmplayError('usage', `invalid serial ${JSON.stringify(spec)}: expected a number of hosts (≥ 1) or a percentage such as '25%'`)
  }
  return Math.max(1, n)
}

/** "1,10%,100%" (from the command line) or a playbook's value → batch sizes. */
export function parseSerial(serial: Serial | undefined): (number | string)[] | undefined {
  if (serial === undefined || serial === '') return undefined
  if (Array.isArray(serial)) return serial
  return typeof serial === 'string' && serial.includes(',') ? serial.split(',').map((s) => s.trim()) : [serial]
}

export function rolloutBatches<T>(items: T[], serial: Serial | undefined): T[][] {
  const specs = parseSerial(serial)
  if (!specs || specs.length === 0) return items.length ? [items] : []
  const sizes = specs.map((s) => size(s, items.length))
  const out: T[][] = []
  let i = 0
  for (let b = 0; i < items.length; b++) {
    const n = sizes[Math.min(b, sizes.length - 1)]
    out.push(items.slice(i, i + n))
    i += n
  }
  return out
}

export function validateMaxFail(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new KvmplayError('usage', `invalid maxFailPercentage ${JSON.stringify(value)}: expected a number from 0 to 100`)
  }
  return value
}
