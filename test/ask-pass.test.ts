/**
 * -k on a real terminal (script(1)'s pseudo-terminal): the SSH password is
 * asked once, not echoed, and is what the server is given — an in-process
 * ssh2 server on 127.0.0.1 that lets in only that password. It is never in
 * kvmplay's output.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import ssh2 from 'ssh2'
import { BIN, FIXTURES, STATE_HOME } from './helpers/cli.ts'
import { hostKeyPair } from './helpers/ssh2-server.ts'

const PASSWORD = 'hunter2-kvmplay'

test('-k asks on the terminal without echo, and the server gets that password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-ask-pass-'))
  const given: string[] = []
  const server = new ssh2.Server({ hostKeys: [hostKeyPair('ed25519').private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') given.push(ctx.password)
      if (ctx.method === 'password' && ctx.password === PASSWORD) ctx.accept()
      else ctx.reject(['password'])
    })
    // Logged in is all this test needs: the session is refused, and the host's play fails after the login.
    client.on('session', (_accept, reject) => reject())
    client.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  try {
    const inventory = join(dir, 'hosts.ini')
    writeFileSync(inventory, `[hypervisors]\nh1 ansible_host=127.0.0.1 ansible_port=${port} ansible_user=ops\n`)
    const cmd = [process.execPath, BIN, 'run', join(FIXTURES, 'tagged.play.ts'), '-i', inventory, '-k', '-t', 'network', '--accept-new-host-keys', '--known-hosts', join(dir, 'known_hosts'), '-F', '/dev/null'].map((a) => `'${a}'`).join(' ')
    const child = spawn('script', ['-q', '-e', '-c', `stty rows 24 cols 120; ${cmd}`, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: STATE_HOME, SSH_AUTH_SOCK: '', KVMPLAY_MARKS: '/dev/null' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('SSH password: ') && !out.includes('typed')) {
        out += '(typed)'
        child.stdin.write(`${PASSWORD}\r`)
      }
    })
    child.stderr.on('data', (d) => (out += d))
    await new Promise((r) => child.on('close', r))
    assert.ok(given.includes(PASSWORD), `the server was given the typed password (given: ${given.length} attempt(s))\n${out}`)
    assert.not.match(out, PASSWORD, 'not echoed, not printed')
    assert.match(out, 'RECAP')
  } finally {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
