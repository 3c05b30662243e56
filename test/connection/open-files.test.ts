/** The open-file limit read from /proc, raised where the hard limit allows, and a clear error where it does not. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ensureOpenFiles, openFileLimits, openFilesNeeded } from '../../src/connection/open-files.ts'
import { errorMessageOf } from '../helpers/errors.ts'

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

test('within the soft limit nothing happens; past the hard limit the error says how many and how to raise it', () => {
  const limits = openFileLimits()
  if (!limits) return
  assert.not.throws(() => ensureOpenFiles(Math.min(limits.soft, 100), 10))
  if (limits.hard === Infinity) return
  const msg = errorMessageOf('usage', () => ensureOpenFiles(limits.hard + 1, 5000))
  assert.match(msg, `kvmplay needs about ${limits.hard + 1} open files for 5000 hosts at once`)
  assert.match(msg, 'ulimit -n')
  assert.match(msg, '--forks')
})

test.run()
