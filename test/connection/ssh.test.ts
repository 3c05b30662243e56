/**
 * connectSsh against a real OpenSSH sshd that this suite starts on
 * 127.0.0.1 (a free high port, its own host key, a test client key): output
 * and exit codes as data, stdin, the connection's long-lived shell and the
 * sessions beside it, timeouts, host-key checking (and which of two host keys
 * the sshd shows), login failures, close,
 * and unix-socket forwarding.
 *
 * sshd only serves logins properly as root, and needs /usr/sbin/sshd: without
 * either the tests are skipped, and say why, rather than passing unrun.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectSsh } from '../../src/connection/ssh.ts'
import type { SshTarget } from '../../src/connection/target.ts'
import type { Connection } from '../../src/connection/types.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { sshTarget } from '../helpers/ssh-target.ts'
import { freePort, publicKey, sshdUnable, startSshd, stopSshd } from '../helpers/sshd.ts'
import type { Sshd } from '../helpers/sshd.ts'
import { skipIf } from '../helpers/skip.ts'

/** `test`, or uvu's skip with the reason in the name when sshd cannot run here. */
const it = skipIf(test, sshdUnable)

/** Started by the first test that needs it: a failure to start fails the tests, not the run. */
let started: Promise<Sshd> | undefined
const sshd = () => (started ??= startSshd())

/** Everything else the tests make on disk, removed in the after hook. */
const scratch: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kvmplay-ssh-test-'))
  scratch.push(d)
  return d
}

test.after(async () => {
  if (started) {
    const s = await started.catch(() => undefined)
    if (s) await stopSshd(s)
  }
  for (const d of scratch) rmSync(d, { recursive: true, force: true })
})

async function target(over: Partial<SshTarget> = {}): Promise<SshTarget> {
  const s = await sshd()
  return sshTarget({ host: 'sshd-test', port: s.port, user: userInfo().username, identityFiles: [s.clientKey], knownHostsFiles: [s.knownHosts], ...over })
}

/** Runs `fn` on a fresh connection and closes it whatever happens: sshd is only stopped once no connection is left. */
async function withConnection<T>(fn: (c: Connection) => Promise<T>, over: Partial<SshTarget> = {}): Promise<T> {
  const c = await connectSsh(await target(over))
  try {
    return await fn(c)
  } finally {
    await c.close()
  }
}

/**
 * The PID of the shell a command ran in. `$$` and not `$PPID`: every session
 * of one connection is a child of the same sshd process, so `$PPID` is the
 * same for two separate sessions too; `$$` is the shell's own.
 */
const shellPid = async (c: Connection, opts = {}) => (await c.exec('echo $$', opts)).stdout.trim()

it('a command gives its stdout, stderr and exit code as data: a non-zero exit is not an exception', async () => {
  await withConnection(async (c) => {
    assert.equal(await c.exec("printf 'out\\n'; printf 'err\\n' >&2; exit 3"), { code: 3, stdout: 'out\n', stderr: 'err\n' })
    // Bytes as the host wrote them: no trimming, UTF-8 intact.
    assert.equal(await c.exec("printf '  é€😀 no newline'"), { code: 0, stdout: '  é€😀 no newline', stderr: '' })
    assert.is((await c.exec('false')).code, 1)
    assert.is((await c.exec('no-such-command-kvmplay')).code, 127)
  })
})

it('stdin is delivered to the command, text or bytes', async () => {
  await withConnection(async (c) => {
    assert.equal(await c.exec('cat; echo done >&2; exit 4', { stdin: 'line 1\nline 2' }), { code: 4, stdout: 'line 1\nline 2', stderr: 'done\n' })
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13])
    assert.is((await c.exec('od -An -tx1 | tr -s " \\n" " "', { stdin: bytes })).stdout.trim(), '00 01 02 ff fe 0a 0d')
    assert.is((await c.exec('wc -c', { stdin: '' })).stdout.trim(), '0')
  })
})

it('commands without stdin go, one after another, to one long-lived `/bin/sh -s`', async () => {
  await withConnection(async (c) => {
    const first = await shellPid(c)
    const second = await shellPid(c)
    assert.match(first, /^\d+$/)
    assert.is(second, first, 'the same shell ran both')
    assert.is((await c.exec("tr '\\0' ' ' < /proc/$$/cmdline")).stdout, '/bin/sh -s ')
    // A command with stdin has a session of its own, and leaves the shell as it was.
    const withStdin = await shellPid(c, { stdin: '' })
    assert.match(withStdin, /^\d+$/)
    assert.is.not(withStdin, first)
    assert.is(await shellPid(c), first)
  })
})

it('concurrent commands all complete, each with its own output', async () => {
  await withConnection(async (c) => {
    // The first takes the shell; the others run beside it, in sessions of their own.
    const [slow, quick, fed] = await Promise.all([
      c.exec('sleep 0.3; echo slow; exit 5'),
      c.exec('echo quick >&2'),
      c.exec('tr a-z A-Z', { stdin: 'fed' }),
    ])
    assert.equal(slow, { code: 5, stdout: 'slow\n', stderr: '' })
    assert.equal(quick, { code: 0, stdout: '', stderr: 'quick\n' })
    assert.equal(fed, { code: 0, stdout: 'FED', stderr: '' })
    const many = await Promise.all(Array.from({ length: 6 }, (_, i) => c.exec(`echo ${i}`)))
    assert.equal(
      many.map((r) => r.stdout),
      ['0\n', '1\n', '2\n', '3\n', '4\n', '5\n'],
    )
  })
})

it('a command too long for one argument of `sh -c` still runs while the shell is busy', async () => {
  await withConnection(async (c) => {
    // 200 KB: as an argument, exec would fail with E2BIG (one argument is limited to 128 KiB).
    const long = `printf '%s' '${'x'.repeat(200_000)}' | wc -c`
    const [busy, r] = await Promise.all([c.exec('sleep 0.3; echo busy'), c.exec(long)])
    assert.is(busy.stdout, 'busy\n')
    assert.equal(r, { code: 0, stdout: '200000\n', stderr: '' })
  })
})

/**
 * A command that sleeps in a process whose PID it records: sshd refuses to
 * pass signals to the sessions of a root login, so what a timed-out command
 * started goes on running on the host, and the test ends it by that PID.
 */
function sleeper(seconds: number): { command: string; end: () => Promise<void> } {
  const pidFile = join(tempDir(), 'sleeper.pid')
  return {
    command: `sh -c 'echo $$ > ${pidFile}; exec sleep ${seconds}'`,
    // On a busy machine the timeout can come before the shell has even started the command: wait for it.
    end: async () => {
      for (let waited = 0; !existsSync(pidFile) && waited < 3_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL')
      } catch {}
    },
  }
}

it('a command that outlives its timeout fails with a timeout; the next command works', async () => {
  await withConnection(async (c) => {
    const before = await shellPid(c)
    const slow = sleeper(5)
    const started = Date.now()
    try {
      const msg = await rejectionMessageOf('timeout', c.exec(slow.command, { timeoutMs: 300 }))
      assert.match(msg, /^sshd-test: command timed out after 0.3 s: sh -c/)
      assert.ok(Date.now() - started < 2_000, 'the timeout fails the command then, not when the command ends')
    } finally {
      await slow.end()
    }
    // The timed-out shell was given up (what it left running could not be told from the next command): a new one serves.
    const after = await shellPid(c)
    assert.match(after, /^\d+$/)
    assert.is.not(after, before)
    assert.is((await c.exec('echo still here')).stdout, 'still here\n')

    // The same for a command in a session of its own (it has stdin): the caller hears of the timeout
    // on time, though sshd only closes the channel once the command has ended by itself.
    const sent = Date.now()
    assert.match(await rejectionMessageOf('timeout', c.exec('sleep 3', { stdin: 'x', timeoutMs: 300 })), /timed out after 0.3 s: sleep 3/)
    assert.ok(Date.now() - sent < 2500, `rejected after ${Date.now() - sent} ms`)
    assert.is((await c.exec('cat', { stdin: 'again' })).stdout, 'again')
  })
})

it("without a timeoutMs, the connection's commandTimeoutMs applies; with one, that does", async () => {
  await withConnection(
    async (c) => {
      const slow = sleeper(5)
      try {
        assert.match(await rejectionMessageOf('timeout', c.exec(slow.command)), /timed out after 0.4 s/)
      } finally {
        await slow.end()
      }
      // A command's own timeoutMs wins (this one opens a new shell, which alone can take 0.4 s on a busy machine).
      assert.is((await c.exec('echo fine', { timeoutMs: 10_000 })).stdout, 'fine\n')
    },
    { commandTimeoutMs: 400 },
  )
})

it('an unknown host key is refused, with the ssh-keyscan line that would add it; nothing is written', async () => {
  const s = await sshd()
  const knownHosts = join(tempDir(), 'known_hosts')
  writeFileSync(knownHosts, '# nothing known yet\n')
  const msg = await rejectionMessageOf('hostkey', connectSsh(await target({ knownHostsFiles: [knownHosts] })))
  assert.match(msg, `host key of [127.0.0.1]:${s.port} (ssh-ed25519) is not in ${knownHosts}`)
  assert.match(msg, `ssh-keyscan -p ${s.port} 127.0.0.1 >> ${knownHosts}`)
  assert.match(msg, '--accept-new-host-keys')
  assert.is(readFileSync(knownHosts, 'utf8'), '# nothing known yet\n')
})

it('a changed host key is refused, with the ssh-keygen -R line that would remove the old one', async () => {
  const s = await sshd()
  const knownHosts = join(tempDir(), 'known_hosts')
  // Another ed25519 key recorded for this host and port: as after a reinstall, or an interception.
  writeFileSync(knownHosts, `# line 1\n[127.0.0.1]:${s.port} ${publicKey(s.strangerKey + '.pub')}\n`)
  const msg = await rejectionMessageOf('hostkey', connectSsh(await target({ knownHostsFiles: [knownHosts] })))
  assert.match(msg, 'HAS CHANGED')
  assert.match(msg, `${knownHosts}:2`)
  assert.match(msg, `ssh-keygen -R [127.0.0.1]:${s.port} -f ${knownHosts}`)
})

it('a changed key is refused even with acceptNewHostKeys, and a @revoked one always', async () => {
  const s = await sshd()
  const changed = join(tempDir(), 'known_hosts')
  writeFileSync(changed, `[127.0.0.1]:${s.port} ${publicKey(s.strangerKey + '.pub')}\n`)
  assert.match(await rejectionMessageOf('hostkey', connectSsh(await target({ knownHostsFiles: [changed], acceptNewHostKeys: true }))), 'HAS CHANGED')
  const revoked = join(tempDir(), 'known_hosts')
  writeFileSync(revoked, `@revoked * ${s.hostKey}\n[127.0.0.1]:${s.port} ${s.hostKey}\n`)
  assert.match(await rejectionMessageOf('hostkey', connectSsh(await target({ knownHostsFiles: [revoked], acceptNewHostKeys: true }))), '@revoked')
})

it('acceptNewHostKeys records an unknown key in the known_hosts file, which then lets the host in', async () => {
  const s = await sshd()
  const knownHosts = join(tempDir(), 'not-yet', 'known_hosts')
  await withConnection(async (c) => assert.is((await c.exec('echo in')).stdout, 'in\n'), { knownHostsFiles: [knownHosts], acceptNewHostKeys: true })
  const recorded = `[127.0.0.1]:${s.port} ${s.hostKey}\n`
  assert.is(readFileSync(knownHosts, 'utf8'), recorded)
  // Known now: accepted without being asked to, and not recorded twice.
  await withConnection(async (c) => assert.is((await c.exec('echo again')).stdout, 'again\n'), { knownHostsFiles: [knownHosts] })
  await withConnection(async () => {}, { knownHostsFiles: [knownHosts], acceptNewHostKeys: true })
  assert.is(readFileSync(knownHosts, 'utf8'), recorded)
})

it('an sshd with an ed25519 and an ecdsa host key, known by its ecdsa key only: let in, and accept-new records nothing more', async () => {
  const keys = tempDir()
  execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', join(keys, 'host_ecdsa')])
  const two = await startSshd([`HostKey ${join(keys, 'host_ecdsa')}`])
  try {
    const knownHosts = join(keys, 'known_hosts')
    const line = `[127.0.0.1]:${two.port} ${publicKey(join(keys, 'host_ecdsa.pub'))}\n`
    writeFileSync(knownHosts, line)
    await withConnection(async (c) => assert.is((await c.exec('echo in')).stdout, 'in\n'), { port: two.port, identityFiles: [two.clientKey], knownHostsFiles: [knownHosts], acceptNewHostKeys: true })
    assert.is(readFileSync(knownHosts, 'utf8'), line)
  } finally {
    await stopSshd(two)
  }
})

it('a key the host does not accept fails to connect, with a hint at ansible_user and the key file', async () => {
  const s = await sshd()
  const msg = await rejectionMessageOf('connect', connectSsh(await target({ identityFiles: [s.strangerKey] })))
  assert.match(msg, `sshd-test: cannot connect to ${userInfo().username}@127.0.0.1:${s.port}`)
  assert.match(msg, /authentication/i)
  assert.match(msg, 'check ansible_user and ansible_ssh_private_key_file')
})

it('a private key file that cannot be read fails to connect, naming it', async () => {
  const missing = join(tempDir(), 'no_such_key')
  const msg = await rejectionMessageOf('connect', connectSsh(await target({ identityFiles: [missing] })))
  assert.match(msg, `cannot read the private key ${missing}`)
  assert.match(msg, 'ansible_ssh_private_key_file')
})

it('a port where nothing listens fails to connect, asking whether sshd is listening there', async () => {
  const port = await freePort()
  const msg = await rejectionMessageOf('connect', connectSsh(await target({ port })))
  assert.match(msg, `cannot connect to ${userInfo().username}@127.0.0.1:${port}`)
  assert.match(msg, /ECONNREFUSED/)
  assert.match(msg, `is the host up and sshd listening on port ${port}?`)
})

it('after close(), commands and sockets are refused', async () => {
  const c = await connectSsh(await target())
  assert.is((await c.exec('echo open')).stdout, 'open\n')
  await c.close()
  assert.match(await rejectionMessageOf('connect', c.exec('echo closed')), 'sshd-test: connection closed')
  assert.match(await rejectionMessageOf('connect', c.exec('cat', { stdin: 'x' })), 'connection closed')
  assert.match(await rejectionMessageOf('connect', c.openUnixSocket!('/nonexistent.sock')), 'connection closed')
})

it('a connection that drops fails the command in flight and those after it as lost', async () => {
  const c = await connectSsh(await target())
  try {
    // The shell's parent is sshd's process for this connection: killing it drops the link.
    await rejectionMessageOf('connect', c.exec('kill -9 $PPID'))
    assert.match(await rejectionMessageOf('connect', c.exec('echo after')), 'sshd-test: connection lost')
    assert.match(await rejectionMessageOf('connect', c.exec('cat', { stdin: 'x' })), 'connection lost')
  } finally {
    await c.close()
  }
})

/** A unix socket server on a temp path that echoes what it reads. */
async function echoServer(): Promise<{ path: string; server: Server }> {
  const path = join(tempDir(), 'echo.sock')
  const server = createServer((sock) => sock.pipe(sock))
  await new Promise<void>((resolve) => server.listen(path, resolve))
  return { path, server }
}

/** Writes `data` and reads until as many bytes have come back. */
function roundTrip(stream: Duplex, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = []
    let n = 0
    const onData = (d: Buffer) => {
      got.push(d)
      n += d.length
      if (n < data.length) return
      stream.off('data', onData)
      resolve(Buffer.concat(got))
    }
    stream.on('data', onData)
    stream.once('error', reject)
    stream.write(data)
  })
}

it('openUnixSocket gives a byte stream to a unix socket on the host', async () => {
  const { path, server } = await echoServer()
  try {
    await withConnection(async (c) => {
      const stream = await c.openUnixSocket!(path)
      const hello = Buffer.from('hello\0é\n')
      assert.ok((await roundTrip(stream, hello)).equals(hello))
      const big = Buffer.alloc(300_000, 7)
      assert.ok((await roundTrip(stream, big)).equals(big), 'a large write comes back whole')
      // Commands still run beside the forwarded socket.
      assert.is((await c.exec('echo beside')).stdout, 'beside\n')
      const ended = new Promise((resolve) => stream.once('close', resolve))
      stream.end()
      await ended
    })
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})

it('openUnixSocket to a path where nothing listens is refused; the connection goes on', async () => {
  const missing = join(tempDir(), 'nobody-here.sock')
  await withConnection(async (c) => {
    assert.match(await rejectionMessageOf('connect', c.openUnixSocket!(missing)), `sshd-test: cannot open ${missing}`)
    assert.is((await c.exec('echo still')).stdout, 'still\n')
  })
})

test.run()
