/** The open-file limit read from /proc, raised where the hard limit allows, and a clear error where it does not. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ensureOpenFiles, openFileLimits, openFilesNeeded } from '../../src/connection/open-files.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { skipIf } from '../helpers/skip.ts'

test('the limits as /proc/self/limits has them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-limits-'))
  try {
    const f = join(dir, 'limits')
    writeFileSync(f, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 unlimited            files\n')
    assert.equal(openFileLimits(f), { soft: 1024, hard: Infinity })
    assert.is(openFileLimits(join(dir, 'none')), undefined)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('what a run needs: two sockets a host at once, one a jump host, and a base', () => {
  assert.is(openFilesNeeded(100, 1), 64 + 200 + 1)
})

// This process's own limits: read once, as the tests are registered, so a test that cannot run is skipped, saying why.
const limits = openFileLimits()
const noLimits = limits ? undefined : 'no open-file limit in /proc/self/limits'
const noHardLimit = noLimits ?? (limits!.hard === Infinity ? 'the hard open-file limit is unlimited here: nothing to go past' : undefined)

skipIf(test, noLimits)('within the soft limit nothing happens', () => {
  assert.not.throws(() => ensureOpenFiles(Math.min(limits!.soft, 100), 10))
})

skipIf(test, noHardLimit)('past the hard limit the error says how many and how to raise it', () => {
  const msg = errorMessageOf('usage', () => ensureOpenFiles(limits!.hard + 1, 5000))
  assert.match(msg, `kvmplay needs about ${limits!.hard + 1} open files for 5000 hosts at once`)
  assert.match(msg, 'ulimit -n')
  assert.match(msg, '--forks')
})

test.run()
