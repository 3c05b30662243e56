// Content sent over a command's stdin (over 12 KiB, or with a NUL) through
// the local connection (/bin/sh on this machine): a transfer cut short or
// changed on the way fails the step with what came, and leaves the old file
// and no temp file; a whole one is written byte for byte.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection } from '../../src/connection/types.ts'
import { runSteps } from '../../src/core/run-steps.ts'
import type { ConnectionStep } from '../../src/core/task.ts'
import { fileFact } from '../../src/facts/file.ts'
import { fileWish, planFile } from '../../tasks/file.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { tempDirs } from '../helpers/temp.ts'

const local = connectLocal({ kind: 'local', host: 'here', commandTimeoutMs: 10_000 })
const temp = tempDirs('transfer')
test.after(temp.removeAll)

/** The local connection, with each command's stdin passed through `mangle` (a link that loses or changes bytes) and `prefix` before the script. */
const lossy = (mangle: (stdin: string) => string, prefix = ''): Connection => ({
  ...local,
  exec: (command, opts = {}) => local.exec(prefix + command, { ...opts, stdin: typeof opts.stdin === 'string' ? mangle(opts.stdin) : opts.stdin }),
})

/** Plans `content` for `path` against the disk and runs the plan over `conn`. */
async function write(conn: Connection, path: string, content: string): Promise<void> {
  const current = fileFact.parse(await local.exec(fileFact.command(path)), path)
  await runSteps(planFile(fileWish({ path, content }), current), { name: 'here', connection: async () => conn, recordOriginal: () => {}, reach: undefined as never })
}

/** A directory with an old file in it. */
function oldFile(): { dir: string; path: string } {
  const dir = temp.make()
  const path = join(dir, 'big.conf')
  writeFileSync(path, 'old\n')
  return { dir, path }
}

const big = 'x = 1234567890\n'.repeat(2000) // 30000 bytes: over the 12 KiB printf carries, so it goes as stdin

test('stdin cut short: the step fails saying how much came, the old file stays, no temp file is left', async () => {
  const { dir, path } = oldFile()
  const message = await rejectionMessageOf('command', write(lossy((s) => s.slice(0, 10_000)), path, big))
  assert.match(message, `${path}: received 10000 of 30000 bytes, not the sha256 sent: the transfer was cut short; ${path} is left as it was`)
  assert.is(readFileSync(path, 'utf8'), 'old\n')
  assert.equal(readdirSync(dir), ['big.conf'], 'no temp file, no backup')
})

test('stdin of the right length but other bytes: refused by its sha256', async () => {
  const { path } = oldFile()
  const message = await rejectionMessageOf('command', write(lossy((s) => 'y' + s.slice(1)), path, big))
  assert.match(message, 'received 30000 of 30000 bytes, not the sha256 sent')
  assert.is(readFileSync(path, 'utf8'), 'old\n')
})

test('where there is no sha256sum the length alone is checked, with wc -c', async () => {
  const { dir, path } = oldFile()
  // A PATH with the tools the write uses, and no sha256sum.
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  for (const tool of ['cat', 'wc', 'mv', 'cp', 'mkdir', 'rm', 'chmod', 'chown', 'sync']) symlinkSync(execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool))
  const noSha = `PATH=${bin}\n`
  const message = await rejectionMessageOf('command', write(lossy((s) => s.slice(0, 29_999), noSha), path, big))
  assert.match(message, `${path}: received 29999 of 30000 bytes: the transfer was cut short`)
  assert.is(readFileSync(path, 'utf8'), 'old\n')
  await write(lossy((s) => s, noSha), path, big)
  assert.is(readFileSync(path, 'utf8'), big)
})

test('whole stdin, a NUL in it too, is written byte for byte', async () => {
  const { path } = oldFile()
  await write(local, path, big)
  assert.is(readFileSync(path, 'utf8'), big)
  const withNul = 'key=\0value\n'
  await write(local, path, withNul)
  assert.is(readFileSync(path, 'utf8'), withNul)
})

test('the temp file is synced to disk before the rename, for inline content and stdin alike', () => {
  for (const content of ['small\n', big]) {
    const [step] = planFile(fileWish({ path: '/etc/x.conf', content }), { exists: false }) as ConnectionStep[]
    const script = step.shell!.command
    const sync = script.indexOf('sync -d "$t"')
    assert.ok(sync > 0 && sync < script.indexOf('mv -f "$t" "$p"'), script)
  }
})

test.run()
