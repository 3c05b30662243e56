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

/** The same for an async `fn`, whose message must match `message`. */
export async function throwsKind(fn: () => Promise<unknown>, kind: ErrorKind, message?: RegExp): Promise<string> {
  try {
    await fn()
  } catch (e) {
    assert.ok(isKvmplayError(e, kind), String(e))
    if (message) assert.match((e as Error).message, message)
    return (e as Error).message
  }
  throw new Error(`expected a '${kind}' error`)
}
