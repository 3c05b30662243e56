/** Batching against a real /bin/sh (dash on Debian) through the local connection. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runBatch, parseBatchOutput, batchScript } from '../../src/connection/batch.ts'
import { connectLocal } from '../../src/connection/local.ts'

const conn = connectLocal({ kind: 'local', host: 'local', commandTimeoutMs: 10_000 })

test('each command gets its own stdout, stderr and exit code, in one round trip', async () => {
  let calls = 0
  const counting = { ...conn, exec: (c: string, o?: object) => (calls++, conn.exec(c, o)) }
  const res = await runBatch(counting, ['echo one', 'echo two >&2; exit 3', 'printf "no newline"', 'true'])
  assert.is(calls, 1)
  assert.equal(res, [
    { code: 0, stdout: 'one\n', stderr: '' },
    { code: 3, stdout: '', stderr: 'two\n' },
    { code: 0, stdout: 'no newline', stderr: '' },
    { code: 0, stdout: '', stderr: '' },
  ])
})

test('a command cannot end the batch early or read the script as its stdin', async () => {
  const res = await runBatch(conn, ['exit 7', 'cat', 'echo after'])
  assert.equal(res.map((r) => r.code), [7, 0, 0])
  assert.is(res[1].stdout, '')
  assert.is(res[2].stdout, 'after\n')
})

test('output that looks like framing, or has no trailing newline, is kept exactly', async () => {
  const res = await runBatch(conn, ['printf "KVMPLAY-0 0\\n\\n"', 'printf "x\\n\\n\\n"'])
  assert.is(res[0].stdout, 'KVMPLAY-0 0\n\n')
  assert.is(res[1].stdout, 'x\n\n\n')
})

test('truncated output is an error, not a silent empty fact', () => {
  const script = batchScript(['true'], 'M')
  assert.ok(script.includes('M'))
  assert.throws(() => parseBatchOutput({ code: 0, stdout: 'half', stderr: '' }, 1, 'M'), /no framed output/)
  assert.throws(() => parseBatchOutput({ code: 0, stdout: 'a\nM 0 0\nb', stderr: '\nM 0 0\n' }, 2, 'M'), /batched command 1 produced no framed output/)
  // The streams must agree on each command's exit code.
  assert.throws(() => parseBatchOutput({ code: 0, stdout: 'a\nM 0 0\n', stderr: '\nM 0 1\n' }, 1, 'M'), /batched command 0/)
})

test.run()
