/**
 * A command whose whole life — the session's confirmation, its output, its
 * exit status and the channel's close — reaches the controller in one read.
 * That is what a busy controller sees of a command that ends at once (issue
 * 28: runs hung for 600 s when virsh ran beside the connection's shell): the
 * channel's events came before the command's listeners, which a promise
 * attached later. ssh2's own server here answers in one tick, so its packets
 * leave, and arrive, together.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectSsh } from '../../src/connection/ssh.ts'
import type { Connection } from '../../src/connection/types.ts'
import { sshTarget } from '../helpers/ssh-target.ts'
import { hostKeyPair, startSsh2Server } from '../helpers/ssh2-server.ts'
import type { Ssh2Server } from '../helpers/ssh2-server.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('channel-race')
const key = hostKeyPair('ed25519')
let server: Ssh2Server | undefined

/** Answers every exec at once: output on both streams, then the exit status and the close, in the same tick. */
const started = async () =>
  (server ??= await startSsh2Server([key], (command, channel) => {
    channel.write(`out of ${command}\n`)
    channel.stderr.write('err\n')
    channel.exit(command === 'fail' ? 3 : 0)
    channel.end()
  }))

test.after(async () => {
  await server?.close()
  temp.removeAll()
})

async function connection(): Promise<Connection> {
  const s = await started()
  const knownHosts = join(temp.make(), 'known_hosts')
  writeFileSync(knownHosts, `[127.0.0.1]:${s.port} ${key.public}\n`)
  // Deadlines short enough that a lost close fails the test, not the suite.
  return connectSsh(sshTarget({ port: s.port, user: 'root', password: 'any', knownHostsFiles: [knownHosts], commandTimeoutMs: 3000 }))
}

test('a command that ends in the same read as its session opens: its output, its exit code, and the promise settles', async () => {
  const c = await connection()
  try {
    // stdin sends it to an exec channel of its own (the connection's shell takes only commands without).
    const results = await Promise.all(['a', 'fail', 'b'].map((cmd) => c.exec(cmd, { stdin: '' })))
    assert.equal(
      results.map((r) => [r.code, r.stdout, r.stderr]),
      [
        [0, 'out of a\n', 'err\n'],
        [3, 'out of fail\n', 'err\n'],
        [0, 'out of b\n', 'err\n'],
      ],
    )
  } finally {
    await c.close()
  }
})

test.run()
