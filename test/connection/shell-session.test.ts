/** The long-lived shell, against a real `/bin/sh -s` (dash on Debian) standing in for the SSH channel. */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { MERGED_SHELL } from '../../src/connection/ssh-channel.ts'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { findFrame, openShellSession } from '../../src/connection/shell-session.ts'
import type { ShellChannel } from '../../src/connection/shell-session.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('shell-session')

/** A local `/bin/sh -s` as the channel; `chunk` re-splits its stdout into pieces of that many bytes. */
function localShell(chunk?: number): { channel: Promise<ShellChannel>; pid: () => number } {
  const child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.on('error', () => {})
  const channel: ShellChannel = {
    write: (text) => child.stdin.write(text),
    onStdout: (l) =>
      child.stdout.on('data', (d: Buffer) => {
        if (!chunk) return l(d)
        for (let i = 0; i < d.length; i += chunk) l(d.subarray(i, i + chunk))
      }),
    onStderr: (l) => child.stderr.on('data', l),
    onClose: (l) => child.on('close', l),
    kill: () => child.kill('SIGKILL'),
  }
  return { channel: Promise.resolve(channel), pid: () => child.pid! }
}

/** The promise's rejection message, which must match. */
async function rejects(p: Promise<unknown>, expected: RegExp) {
  const why = await p.then(
    () => 'resolved',
    (e: Error) => e.message,
  )
  assert.match(why, expected)
}

const open = (chunk?: number) => openShellSession(localShell(chunk).channel, { host: 'h', linkError: () => undefined })

test('commands run one after another in one shell, each with its own output and exit code', async () => {
  const s = open()
  const a = await s.run('echo one; echo $$', 5000)
  const b = await s.run('echo two >&2; exit 3', 5000)
  const c = await s.run('printf "no newline"; echo $$ >&2', 5000)
  assert.is(a.code, 0)
  assert.is(a.stdout.split('\n')[0], 'one')
  assert.equal(b, { code: 3, stdout: '', stderr: 'two\n' })
  assert.is(c.stdout, 'no newline')
  // $$ is the shell's own PID, also in a subshell: the same shell ran both.
  assert.is(c.stderr.trim(), a.stdout.split('\n')[1])
  s.close()
})

test('a command cannot change the shell: exit, cd, variables, set -e and stdin stay inside it', async () => {
  const s = open()
  assert.is((await s.run('cd /tmp; X=1; export Y=2; set -e; false; echo not reached', 5000)).code, 1)
  assert.equal(await s.run('exit 7', 5000), { code: 7, stdout: '', stderr: '' })
  // cat reads /dev/null, not the commands that follow.
  assert.equal(await s.run('cat', 5000), { code: 0, stdout: '', stderr: '' })
  const r = await s.run('pwd; echo "${X-unset} ${Y-unset}"', 5000)
  assert.is(r.stdout, `${process.cwd()}\nunset unset\n`)
  s.close()
})

test('a syntax error fails that command (exit 2), not the shell', async () => {
  const s = open()
  const bad = await s.run(`echo 'unterminated`, 5000)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /nterminated|EOF/)
  assert.is((await s.run('echo fine', 5000)).stdout, 'fine\n')
  assert.is((await s.run('if true; then', 5000)).code, 2)
  assert.is((await s.run(`printf '%s' "it's"`, 5000)).stdout, "it's")
  s.close()
})

test('output is kept byte for byte across chunk boundaries, framing look-alikes and UTF-8', async () => {
  const s = open(3)
  const text = 'é€😀 KVMPLAY-0 0\n\nx\n\n'
  const r = await s.run(`printf '%s' '${text}'`, 5000)
  assert.is(r.stdout, text)
  const big = await s.run('head -c 300000 /dev/zero | tr "\\0" a', 5000)
  assert.is(big.stdout.length, 300000)
  s.close()
})

test('a command that outlives its timeout fails, and ends the shell; a new session works', async () => {
  const s = open()
  await rejects(s.run('sleep 5', 200), /timed out after 0.2 s: sleep 5/)
  assert.is(s.alive, false)
  await rejects(s.run('true', 1000), /remote shell has ended/)
  const t = open()
  assert.is((await t.run('echo again', 5000)).stdout, 'again\n')
  t.close()
})

test("a timeout names the command by its label, or its first line cut short: never the content a write carries", async () => {
  const write = `printf '%s' 'psk=hunter2' > /tmp/x\nsleep 5`
  await rejects(open().run(write, 200, 'write /etc/NetworkManager/system-connections/wifi.nmconnection'), /timed out after 0.2 s: write \/etc\/NetworkManager\/system-connections\/wifi.nmconnection$/)
  const long = `sleep 5; : ${'x'.repeat(100)} psk=hunter2`
  const message = await open().run(long, 200).then(() => '', (e: Error) => e.message)
  assert.match(message, /timed out after 0.2 s: sleep 5; : x+…$/)
  assert.not.match(message, /hunter2/)
})

test('a shell that dies mid-command fails that command with the link error when there is one', async () => {
  const s = open()
  await rejects(s.run('kill -9 $$', 5000), /remote shell ended before the command finished/)
  assert.is(s.alive, false)
  const lost = new Error('h: connection lost (closed)')
  const t = openShellSession(localShell().channel, { host: 'h', linkError: () => lost })
  await rejects(t.run('kill -9 $$', 5000), /connection lost/)
})

test('one command at a time: busy while one runs', async () => {
  const s = open()
  const first = s.run('sleep 0.2; echo done', 5000)
  assert.is(s.busy, true)
  await rejects(s.run('true', 1000), /busy/)
  assert.is((await first).stdout, 'done\n')
  assert.is(s.busy, false)
  s.close()
})

test('a channel that cannot be opened fails the command with why', async () => {
  const s = openShellSession(Promise.reject(new Error('h: cannot run a command: no more sessions')), { host: 'h', linkError: () => undefined })
  await rejects(s.run('true', 1000), /no more sessions/)
})

test('findFrame waits for the whole frame line', () => {
  assert.is(findFrame(Buffer.from('out\nM 0 '), 'M', 0), undefined)
  assert.is(findFrame(Buffer.from('out\nM 1 0\n'), 'M', 0), undefined)
  const f = findFrame(Buffer.from('out\nM 0 42\n'), 'M', 0)!
  assert.is(f.code, 42)
  assert.is(f.body.toString(), 'out')
})

test('merged streams (a terminal): each command’s stderr still comes apart from its stdout, through $KVMPLAY_ERR', async () => {
  // $KVMPLAY_ERR in a dir removed after the file: the shell is killed, never left to remove it.
  const env = { ...process.env, KVMPLAY_ERR: join(temp.make(), 'err') }
  const child = spawn('/bin/sh', ['-c', 'exec /bin/sh -s 2>&1'], { stdio: ['pipe', 'pipe', 'ignore'], env })
  const channel: ShellChannel = {
    merged: true,
    write: (text) => child.stdin.write(text),
    onStdout: (l) => child.stdout.on('data', l),
    onStderr: () => {},
    onClose: (l) => child.on('close', l),
    kill: () => child.kill('SIGKILL'),
  }
  const s = openShellSession(Promise.resolve(channel), { host: 'h', linkError: () => undefined })
  assert.equal(await s.run('echo out; echo err >&2; echo more; exit 4', 5000), { code: 4, stdout: 'out\nmore\n', stderr: 'err\n' })
  assert.equal(await s.run('printf x', 5000), { code: 0, stdout: 'x', stderr: '' })
  s.close()
})

/** The shell behind a terminal, run here: the file $KVMPLAY_ERR names, and how the shell ends (`end`). */
async function mergedShellFile(end: (child: ReturnType<typeof spawn>) => void): Promise<{ file: string; existed: boolean }> {
  // A process group of its own, as on a terminal: a hang-up reaches cat, the inner shell and the outer one.
  const child = spawn('/bin/sh', ['-c', MERGED_SHELL], { stdio: ['pipe', 'pipe', 'ignore'], detached: true })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stdin!.write('echo "$KVMPLAY_ERR"\n')
  for (let i = 0; i < 500 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 20))
  const file = out.trim()
  const existed = existsSync(file)
  const closed = new Promise((r) => child.on('close', r))
  end(child)
  await closed
  return { file, existed }
}

test("the terminal's shell removes its stderr file when the session ends: stdin closed, or the terminal hung up", async () => {
  for (const [how, end] of [
    ['stdin closed', (c: ReturnType<typeof spawn>) => c.stdin!.end()],
    ['hang-up', (c: ReturnType<typeof spawn>) => process.kill(-c.pid!, 'SIGHUP')],
    ['TERM', (c: ReturnType<typeof spawn>) => process.kill(-c.pid!, 'SIGTERM')],
  ] as const) {
    const { file, existed } = await mergedShellFile(end)
    assert.ok(existed && file.length > 0, `${how}: the file was there while the session ran (${file})`)
    assert.not.ok(existsSync(file), `${how}: ${file} removed`)
  }
})

test.after(temp.removeAll)
test.run()
