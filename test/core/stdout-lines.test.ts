/**
 * A reader that goes away (`kvmplay run … | head`) must not kill the run:
 * a real pipe, closed by its reader after the first line; the writer drops
 * the rest, says so once on stderr, and ends as it would have.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const module = fileURLToPath(new URL('../../src/core/stdout-lines.ts', import.meta.url))
const writer = `
import { stdoutLines } from ${JSON.stringify(module)}
const write = stdoutLines()
for (let i = 0; i < 200; i++) { write('line ' + i + ' ' + 'x'.repeat(2000)); await new Promise((r) => setTimeout(r, 2)) }
process.stderr.write('finished\\n')
process.exitCode = 3
`

test('a closed stdout drops the lines, warns once, and the writer finishes with its own exit code', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  // The reader takes the first chunk and leaves, as head does.
  await new Promise((r) => child.stdout.once('data', r))
  child.stdout.destroy()
  const code = await new Promise((r) => child.on('exit', (c, sig) => r(sig ?? c)))
  assert.is(code, 3, stderr)
  assert.match(stderr, /finished/)
  assert.is(stderr.match(/standard output was closed/g)?.length, 1, stderr)
  assert.not.match(stderr, /EPIPE|Unhandled/)
})

test.run()
