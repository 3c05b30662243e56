/**
 * connectLocal (`ansible_connection: local`): commands through this machine's
 * /bin/sh with exit code and output as data, stdin, timeouts as a 'timeout'
 * error, and unix sockets opened directly (here, one the test serves).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:net'
import type { Socket } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { connectLocal } from '../../src/connection/local.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { tempDirs } from '../helpers/temp.ts'

const local = (commandTimeoutMs = 10_000) => connectLocal({ kind: 'local', host: 'ctl', commandTimeoutMs })
const temp = tempDirs('local')
test.after(temp.removeAll)

test('a non-zero exit is data: code, stdout and stderr, each whole', async () => {
  const res = await local().exec('echo out; echo err >&2; printf "no newline"; exit 3')
  assert.equal(res, { code: 3, stdout: 'out\nno newline', stderr: 'err\n' })
  assert.equal(await local().exec('true'), { code: 0, stdout: '', stderr: '' })
})

test('the command line is /bin/sh\'s: pipes, variables and quoting work as in a shell', async () => {
  const res = await local().exec(`x='a b'; printf '%s\\n' "$x" | tr a-z A-Z`)
  assert.is(res.stdout, 'A B\n')
})

test('a shell killed by a signal is a non-zero exit, not a timeout', async () => {
  const res = await local().exec('kill -TERM $$')
  assert.ok(res.code !== 0, String(res.code))
})

test('stdin reaches the command, text or bytes; a command that ignores it is fine', async () => {
  assert.is((await local().exec('cat', { stdin: 'line 1\nline 2\n' })).stdout, 'line 1\nline 2\n')
  assert.is((await local().exec('wc -c', { stdin: Buffer.alloc(70_000, 1) })).stdout.trim(), '70000')
  // More than a pipe holds, to a command that exits without reading it: no EPIPE escapes.
  assert.equal(await local().exec('exit 0', { stdin: 'x'.repeat(1 << 20) }), { code: 0, stdout: '', stderr: '' })
})

test('a command over its time is killed and rejected as a timeout, per command or by the connection default', async () => {
  // The kill reaches what the shell started too (`sleep 5; true` keeps /bin/sh as its parent).
  const started = Date.now()
  assert.is(await rejectionMessageOf('timeout', local().exec('exec sleep 5', { timeoutMs: 200 })), 'ctl: command timed out after 0.2 s')
  assert.is(await rejectionMessageOf('timeout', local(300).exec('sleep 5; true')), 'ctl: command timed out after 0.3 s')
  // And nothing it started outlives it: a background child of the shell is ended with it.
  const pidFile = join(temp.make(), 'pid')
  await rejectionMessageOf('timeout', local().exec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 }))
  const child = Number(readFileSync(pidFile, 'utf8'))
  await new Promise((r) => setTimeout(r, 100))
  assert.not.ok(existsSync(`/proc/${child}`) && !readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z '), `sleep ${child} still runs`)
  assert.ok(Date.now() - started < 3000, `rejected after ${Date.now() - started} ms`)
  // A command that ends in time is not affected by its timeout.
  assert.is((await local(300).exec('echo fast')).stdout, 'fast\n')
})

test('openUnixSocket: a byte stream to a unix socket on the host; close() ends the ones still open', async () => {
  const path = join(temp.make(), 'echo.sock')
  const served: Socket[] = []
  const server = createServer((s) => (served.push(s), s.pipe(s)))
  server.listen(path)
  await once(server, 'listening')
  try {
    const conn = local()
    const socket = await conn.openUnixSocket!(path)
    socket.write('ping')
    const [echoed] = await once(socket, 'data')
    assert.is(String(echoed), 'ping')
    const closed = once(socket, 'close')
    await conn.close()
    await closed
    assert.ok(socket.destroyed)
  } finally {
    for (const s of served) s.destroy()
    server.close()
  }
})

test('openUnixSocket: a path with nothing listening is a connect error naming the host and path', async () => {
  const path = join(temp.make(), 'nobody.sock')
  assert.match(await rejectionMessageOf('connect', local().openUnixSocket!(path)), `ctl: cannot open ${path}: connect ENOENT`)
})

test.run()
