/** The message of the KvmplayError of this kind that `fn` throws; fails the test if it throws nothing or something else. */
import * as assert from 'uvu/assert'
import { isKvmplayError } from '../../src/core/errors.ts'
import type { ErrorKind } from '../../src/core/errors.ts'

export function errorMessageOf(kind: ErrorKind, fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    assert.ok(isKvmplayError(e, kind), String(e))
    return (e as Error).message
  }
  throw new Error(`expected a '${kind}' error`)
}

/** The same for a promise: the message of the KvmplayError of this kind it rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejectionMessageOf(kind: ErrorKind, promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (error: unknown) => ({ rejected: true as const, error }),
  )
  return errorMessageOf(kind, () => {
    if (outcome.rejected) throw outcome.error
  })
}
