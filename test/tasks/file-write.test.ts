// The file write as the host runs it, through a real dash and a real bash
// (the login shell sshd starts): exact content, the mode asked for or kept,
// the backup, and what a second run finds (nothing to do).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { Connection, ExecResult } from '../../src/connection/types.ts'
import { runSteps } from '../../src/core/run-steps.ts'
import { fileFact } from '../../src/facts/file.ts'
import { planFile, fileWish } from '../../tasks/file.ts'
import type { FileOptions } from '../../tasks/file.ts'

function shellConnection(shell: string): Connection {
  return {
    host: 'here',
    exec: (command, opts = {}) =>
      new Promise<ExecResult>((resolve) => {
        const child = spawn(shell, ['-c', command])
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d) => (stdout += d))
        child.stderr.on('data', (d) => (stderr += d))
        child.on('close', (code) => resolve({ code: code ?? 255, stdout, stderr }))
        child.stdin.on('error', () => {}) // a command that does not read its stdin
        child.stdin.end(opts.stdin ?? '')
      }),
    close: async () => {},
  }
}


/** Plans the file against what is on disk and runs the plan; the number of steps it took. */
async function converge(conn: Connection, opts: FileOptions): Promise<number> {
  const w = fileWish(opts)
  const current = fileFact.parse(await conn.exec(fileFact.command(w.path)), w.path)
  const steps = planFile(w, current)
  await runSteps(steps, { name: 'here', connection: async () => conn, recordOriginal: () => {}, reach: undefined as never })
  return steps.length
}

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8).padStart(4, '0')

// The host's backup tree (src/core/backups.ts), here in a temp dir: the shells inherit this environment.
const backupRoot = mkdtempSync(join(tmpdir(), 'kvmplay-backups-'))
process.env.KVMPLAY_BACKUP_DIR = backupRoot
test.after(() => rmSync(backupRoot, { recursive: true, force: true }))
/** The backups of files in `dir`, kept under the backup tree at the same path — and none beside the files. */
const backupsOf = (dir: string) => {
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('~')), [], 'no backup beside the files, where their reader would read it')
  return existsSync(join(backupRoot, dir)) ? readdirSync(join(backupRoot, dir)).filter((f) => f.endsWith('~')) : []
}

for (const shell of ['/bin/dash', '/bin/bash']) {
  const conn = shellConnection(shell)

  test(`${shell}: a new file gets exactly its content and mode, and a second run changes nothing`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmplay-write-'))
    try {
      const path = join(dir, 'sub/ifcfg-br0')
      const content = "it's 100% \\n literal: $HOME `id` \"q\"\n\tno trailing newline →"
      assert.is(await converge(conn, { path, content, mode: '0640' }), 1)
      assert.is(readFileSync(path, 'utf8'), content)
      assert.is(mode(path), '0640')
      assert.is(await converge(conn, { path, content, mode: '0640' }), 0)
      assert.equal(readdirSync(join(dir, 'sub')), ['ifcfg-br0'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test(`${shell}: a replaced file keeps its mode, the old one is the backup; execute bits and big content too`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmplay-write-'))
    try {
      const path = join(dir, 'sysctl.conf')
      writeFileSync(path, 'old\n')
      chmodSync(path, 0o600)
      assert.is(await converge(conn, { path, content: 'new\n' }), 1)
      assert.is(readFileSync(path, 'utf8'), 'new\n')
      assert.is(mode(path), '0600')
      const backups = backupsOf(dir)
      assert.is(backups.length, 1)
      assert.is(readFileSync(join(backupRoot, dir, backups[0]), 'utf8'), 'old\n')
      assert.is(mode(join(backupRoot, dir, backups[0])), '0600')
      assert.is(mode(backupRoot + '/tmp') , '0700', 'the backup tree is root\'s alone')

      const script = join(dir, 'hook.sh')
      const big = '# line\n'.repeat(4000)
      assert.is(await converge(conn, { path: script, content: big, mode: '0755' }), 1)
      assert.is(readFileSync(script, 'utf8'), big)
      assert.is(mode(script), '0755')
      assert.is(await converge(conn, { path: script, content: big, mode: '0755' }), 0)
      assert.not.ok(readdirSync(dir).some((f) => f.startsWith('.kvmplay.')), 'no temp file left')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test(`${shell}: the backup has the old bytes and mode, whether printf or cp writes it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmplay-write-'))
    try {
      const cases: [string, Buffer, number][] = [
        ['text', Buffer.from("ünïcode 'quoted' $x\nno newline at the end"), 0o640], // printf writes it
        ['latin1', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), 0o644], // not UTF-8: cp -p
        ['script', Buffer.from('#!/bin/sh\n'), 0o750], // an execute bit no umask gives: cp -p
      ]
      for (const [name, bytes, perm] of cases) {
        const path = join(dir, name)
        writeFileSync(path, bytes)
        chmodSync(path, perm)
        assert.is(await converge(conn, { path, content: 'new\n' }), 1, name)
        const backup = backupsOf(dir).find((f) => f.startsWith(`${name}.`))!
        assert.ok(readFileSync(join(backupRoot, dir, backup)).equals(bytes), `${name}: backup bytes`)
        assert.is(mode(join(backupRoot, dir, backup)), perm.toString(8).padStart(4, '0'), `${name}: backup mode`)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test(`${shell}: two writes of one file within a second keep the backup of the first state, not the one between`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmplay-write-'))
    try {
      const path = join(dir, 'sshd.conf')
      writeFileSync(path, 'old\n')
      assert.is(await converge(conn, { path, content: 'mid\n' }), 1)
      assert.is(await converge(conn, { path, content: 'new\n' }), 1)
      assert.is(readFileSync(path, 'utf8'), 'new\n')
      // Backups are named by the second: the earliest holds the file as it was before both (one backup when both fell in one second).
      const backups = backupsOf(dir).sort()
      assert.is(readFileSync(join(backupRoot, dir, backups[0]), 'utf8'), 'old\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test(`${shell}: a write that fails leaves the old file and no temp file`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmplay-write-'))
    try {
      const path = join(dir, 'conf')
      writeFileSync(path, 'old\n')
      // An owner that does not exist: chown fails after the temp file is written.
      const err = await converge(conn, { path, content: 'new\n', owner: 'no-such-user-kvmplay' }).then(() => undefined, (e: Error) => e)
      assert.ok(err, 'the write failed')
      assert.is(readFileSync(path, 'utf8'), 'old\n')
      assert.equal(readdirSync(dir), ['conf'])
      assert.ok(existsSync(path))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test.run()
