/**
 * Ctrl-C in the middle of a run (the real command line, hosts of this
 * machine): the recap says where each host was left — what ran, what it was
 * interrupted in, what did not run, which hosts never started — and the
 * guests' report says the play was interrupted, never "see its failed task"
 * for a host that failed none.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, FIXTURES, STATE_HOME } from './helpers/cli.ts'
import { playEndings } from '../src/core/interruption.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-interrupted-'))
const inventory = join(dir, 'hosts.ini')
writeFileSync(inventory, '[hypervisors]\nh1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n')

test('each ending in words a report can use after the host name', () => {
  assert.equal(playEndings({ a: { task: 't', ran: [], notRun: ['u'] }, b: { ran: ['t'], notRun: ['u'] } }, { c: 'x' }, ['d'], ['e'], 'interrupted'), {
    e: 'was not started (interrupted)',
    d: 'could not be reached',
    c: "failed in 'x'",
    a: "was interrupted in 't'",
    b: "was stopped by the interruption before 'u'",
  })
})

test('Ctrl-C: exit 99, a recap of every host (ran, interrupted in, not run, not started), and a guests report that names the interruption', async () => {
  // Two hosts at once: h3 waits for a fork and never starts.
  const child = spawn(process.execPath, [BIN, 'run', join(FIXTURES, 'interrupt.play.ts'), '-i', inventory, '-f', '2'], {
    env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: STATE_HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const started = new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      out += d
      // Both hosts past the first task: they are in the long one.
      if ((out.match(/ok +record the guest/g) ?? []).length === 2) setTimeout(resolve, 300)
    }),
  )
  await started
  child.kill('SIGINT')
  // A second Ctrl-C abandons at once, instead of after the 5 s grace.
  setTimeout(() => child.kill('SIGINT'), 300)
  const code = await new Promise<number | null>((r) => child.on('close', r))
  assert.is(code, 99, out + err)
  assert.match(out, 'INTERRUPTED: where each host was left\n')
  assert.match(out, /\nh1 +interrupted in the long one — ran: record the guest — not run: never reached\n/)
  assert.match(out, /\nh2 +interrupted in the long one — ran: record the guest — not run: never reached\n/)
  assert.match(out, /\nh3 +not started\n/)
  assert.match(out, 'a cutover\n not confirmed rolls back by itself on the host; run again to finish)')
  assert.match(out, "br0: not recorded (the play of h1 was interrupted in 'the long one'; the next run brings it up to date)")
  assert.not.match(out, 'failed task')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
