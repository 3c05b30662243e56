/**
 * A run on a terminal (a real pseudo-terminal, script(1)), on hosts of this
 * machine (ansible_connection: local): the live progress line shows how far
 * the run is and which host it waits for; ok tasks are left to the summary,
 * which groups each task's results before the recap; NO_COLOR leaves the
 * colours out. Not on a terminal, every task is a plain line, as before.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, FIXTURES, kvmplay } from './helpers/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-progress-'))
const inventory = join(dir, 'inventory.yaml')
writeFileSync(inventory, `all:\n  vars:\n    ansible_connection: local\n    dir: ${dir}\n  hosts:\n    h1:\n    h2:\n    h3:\n      nap: 3\n`)
const PLAY = join(FIXTURES, 'progress.play.ts')

/** The run as a terminal shows it, with the terminal's own control sequences. */
function onTerminal(args: string[]): { code: number | null; out: string } {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
  // script's terminal has no size of its own (0 rows: log-update then draws nothing), so it gets a person's.
  const res = spawnSync('script', ['-q', '-e', '-c', `stty rows 24 cols 150; ${cmd}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { code: res.status, out: res.stdout }
}

test('on a terminal: the live line waits on h3 by name, the ok tasks go to the summary, no colours under NO_COLOR', () => {
  const first = onTerminal(['run', PLAY, '-i', inventory])
  assert.is(first.code, 0, first.out)
  assert.match(first.out, /\d\/3 hosts done · \d changed — slowest: h3 command sleep 3 \(\d\.\d s\)/)
  assert.match(first.out, /\nSUMMARY\r?\n/)
  assert.not.match(first.out, /\x1b\[3\dm/, 'no colour')
  const again = onTerminal(['run', PLAY, '-i', inventory])
  const [before, after] = again.out.split('SUMMARY')
  assert.not.match(before, /h1 +ok +file/, 'an ok task is no line of its own on a terminal')
  assert.match(after, /h1 +ok +file/)
})

test('not on a terminal: every task a plain line, no live line (and for three hosts no summary: it would repeat them)', () => {
  const res = kvmplay(['run', PLAY, '-i', inventory])
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, /^h1 +ok +file/m)
  assert.not.match(res.out, 'hosts done')
  assert.not.match(res.out, /\x1b/)
  assert.not.match(res.out, 'SUMMARY')
  assert.match(res.out, /\nRECAP\n/)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
