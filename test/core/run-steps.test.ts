// Batched steps through a real /bin/sh (dash): each step sees its own stdin,
// reports its own exit code and output, and the first failure stops the rest.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectLocal } from '../../src/connection/local.ts'
import type { LocalTarget } from '../../src/connection/target.ts'
import type { Connection, ExecOptions } from '../../src/connection/types.ts'
import { runSteps } from '../../src/core/run-steps.ts'
import type { StepHost } from '../../src/core/run-steps.ts'
import { commandStep } from '../../src/core/step.ts'
import type { Step } from '../../src/core/task.ts'
import { isKvmplayError } from '../../src/core/errors.ts'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

/** A local connection that counts execs. */
function counting(): Connection & { execs: number } {
  const local = connectLocal({ kind: 'local', host: 'here', commandTimeoutMs: 10_000 } satisfies LocalTarget)
  const c = {
    host: 'here',
    execs: 0,
    exec: (cmd: string, opts?: ExecOptions) => {
      c.execs++
      return local.exec(cmd, opts)
    },
    close: async () => {},
  }
  return c
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-steps-'))
  try {
    await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What runSteps needs of the host, over this connection; the originals it was told of go to `recorded`. */
const on = (conn: Connection, recorded: string[] = []): StepHost => ({
  name: 'here',
  connection: async () => conn,
  recordOriginal: (o) => void recorded.push(o.path),
  reach: {
    host: 'here',
    connection: async () => conn,
    reconnect: async () => {
      throw new Error('no')
    },
    connectAgain: async () => conn,
    adopt: () => {},
    changedFiles: () => [],
  },
})

test('consecutive command steps run in one exec, each with its own exact stdin', async () => {
  await withDir(async (dir) => {
    const conn = counting()
    const contents = ["first line\nit's $HOME `id`\n", 'second\n', '\n\n']
    const steps = contents.map((c, i) => commandStep(`write ${i}`, `cat > ${dir}/f${i}`, { stdin: c }))
    steps.push(commandStep('exit inside a step ends only that step', 'exit 0'))
    steps.push(commandStep('no stdin: reads nothing', `cat > ${dir}/empty`))
    await runSteps(steps, on(conn))
    assert.is(conn.execs, 1)
    contents.forEach((c, i) => assert.is(readFileSync(`${dir}/f${i}`, 'utf8'), c))
    assert.is(readFileSync(`${dir}/empty`, 'utf8'), '')
  })
})

test('the first failing step stops the rest and is named with its exit code and stderr', async () => {
  await withDir(async (dir) => {
    const conn = counting()
    const steps = [
      commandStep('one', `echo noise; echo noise >&2; touch ${dir}/one`),
      commandStep('two', 'echo out-of-two; echo "it broke" >&2; exit 3'),
      commandStep('three', `touch ${dir}/three`),
    ]
    const err = await runSteps(steps, on(conn)).then(() => undefined, (e: Error) => e)
    assert.ok(isKvmplayError(err, 'command'), String(err))
    assert.is(err!.message, 'here: two failed (exit 3): it broke')
    assert.ok(readFileSync(`${dir}/one`, 'utf8') === '')
    assert.throws(() => readFileSync(`${dir}/three`))
  })
})

test('stdin without a final newline, and steps with their own run(), go alone, in order', async () => {
  await withDir(async (dir) => {
    const conn = counting()
    const order: string[] = []
    const custom: Step = { summary: 'custom', run: async (c) => void order.push(`custom after ${(await c.exec(`ls ${dir}`)).stdout.trim().split('\n').join(',')}`) }
    const prepared: string[] = []
    const journaledStep = commandStep('a', `printf a > ${dir}/a`, { original: { path: '/a' } })
    const steps = [journaledStep, commandStep('b', `cat > ${dir}/b`, { stdin: 'no newline' }), custom, commandStep('c', `touch ${dir}/c`), commandStep('d', `touch ${dir}/d`)]
    await runSteps(steps, on(conn, prepared))
    assert.is(readFileSync(`${dir}/b`, 'utf8'), 'no newline')
    assert.equal(order, ['custom after a,b'])
    assert.equal(prepared, ['/a'])
    // a, b alone (b's stdin), custom's own exec, then c+d together.
    assert.is(conn.execs, 4)
  })
})

test('a cutover step gets the host\'s reach, after the shell steps before it ran', async () => {
  await withDir(async (dir) => {
    const conn = counting()
    const host = on(conn)
    let saw: string | undefined
    const cutover: Step = { summary: 'cutover', reach: async (r) => void (saw = `${r.host}: ${(await (await r.connection()).exec(`ls ${dir}`)).stdout.trim()}`) }
    await runSteps([commandStep('a', `touch ${dir}/a`), cutover, commandStep('b', `touch ${dir}/b`)], host)
    assert.is(saw, 'here: a')
    assert.ok(readFileSync(`${dir}/b`, 'utf8') === '')
  })
})

test.run()
