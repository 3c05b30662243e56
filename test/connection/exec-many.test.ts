/** Many commands in few execs, against a real /bin/sh (dash on Debian) through the local connection. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execMany, manyScript } from '../../src/connection/exec-many.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection, ExecResult } from '../../src/connection/types.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const conn = connectLocal({ kind: 'local', host: 'local', commandTimeoutMs: 10_000 })
const counting = () => {
  const c = { ...conn, execs: 0, exec: (cmd: string, o?: object) => (c.execs++, conn.exec(cmd, o)) }
  return c
}
const run = (cmds: string[]) => execMany(conn, cmds.map((command) => ({ command })))

test('each command gets its own stdout, stderr and exit code, in one round trip', async () => {
  const c = counting()
  const res = await execMany(c, ['echo one', 'echo two >&2; exit 3', 'printf "no newline"', 'true'].map((command) => ({ command })))
  assert.is(c.execs, 1)
  assert.equal(res, [
    { code: 0, stdout: 'one\n', stderr: '' },
    { code: 3, stdout: '', stderr: 'two\n' },
    { code: 0, stdout: 'no newline', stderr: '' },
    { code: 0, stdout: '', stderr: '' },
  ])
})

test('a command cannot end the batch early or read the script as its stdin', async () => {
  const res = await run(['exit 7', 'cat', 'echo after'])
  assert.equal(res.map((r) => r.code), [7, 0, 0])
  assert.is(res[1].stdout, '')
  assert.is(res[2].stdout, 'after\n')
})

test('output that looks like framing, or has no trailing newline, is kept exactly', async () => {
  const res = await run(['printf "KVMPLAY-0 0\\n\\n"', 'printf "x\\n\\n\\n"'])
  assert.is(res[0].stdout, 'KVMPLAY-0 0\n\n')
  assert.is(res[1].stdout, 'x\n\n\n')
})

test('each command reads its own stdin exactly; stdin a here-document cannot carry gets an exec of its own', async () => {
  const c = counting()
  const res = await execMany(c, [
    { command: 'cat', stdin: "it's $HOME `id`\n" },
    { command: 'cat', stdin: 'two\n' },
    { command: 'cat', stdin: 'no newline at the end' },
    { command: 'cat' },
  ])
  assert.equal(res.map((r) => r.stdout), ["it's $HOME `id`\n", 'two\n', 'no newline at the end', ''])
  assert.is(c.execs, 3, 'the first two together, the one without a final newline alone, then the last')
})

test('stdin with a NUL gets an exec of its own: a command line ends at a NUL (sshd) or is refused (spawn)', async () => {
  const c = counting()
  const res = await execMany(c, [{ command: 'true' }, { command: 'wc -c', stdin: 'a\0b\n' }, { command: 'true' }])
  assert.equal(res.map((r) => r.stdout.trim()), ['', '4', ''])
  assert.is(c.execs, 3)
})

test("each exec carries its commands' labels, for a timeout to name them instead of the script", async () => {
  const labels: (string | undefined)[] = []
  const c: Connection = { ...conn, exec: (cmd, o) => (labels.push(o?.label), conn.exec(cmd, o)) }
  await execMany(c, [{ command: 'true', label: 'write /etc/a' }, { command: 'true', label: 'write /etc/b' }, { command: 'cat', stdin: 'no newline', label: 'write /etc/c' }])
  assert.equal(labels, ['write /etc/a; write /etc/b', 'write /etc/c'])
})

test('stopAtFailure: the results end at the first failure, and nothing after it runs', async () => {
  const res = await execMany(conn, [{ command: 'true' }, { command: 'echo no >&2; exit 4' }, { command: 'echo ran' }], { stopAtFailure: true })
  assert.equal(res, [
    { code: 0, stdout: '', stderr: '' },
    { code: 4, stdout: '', stderr: 'no\n' },
  ])
})

test('a script cut short is an error naming the command that never reported', async () => {
  // The host answers with half a frame, as after a lost link.
  const cut: Connection = { ...conn, exec: async (): Promise<ExecResult> => ({ code: 255, stdout: 'half', stderr: 'link lost' }) }
  const message = await rejectionMessageOf('command', execMany(cut, [{ command: 'a', label: 'write /etc/a' }, { command: 'b' }]))
  assert.match(message, /write \/etc\/a did not finish \(exit 255\): link lost/)
})

test('the script frames each command and, with stop, ends at a failure', () => {
  const script = manyScript([{ command: 'true' }], 'M', 'T', true)
  assert.match(script, /M 0/)
  assert.match(script, /\[ \$rc -eq 0 \] \|\| exit 0/)
  assert.not.match(manyScript([{ command: 'true' }], 'M', 'T', false), /exit 0/)
})

test.run()
