/** `ansible_connection: local`: commands run on this machine through /bin/sh. */
import { spawn } from 'node:child_process'
import { constants as osConstants } from 'node:os'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { KvmplayError } from '../core/errors.ts'
import type { Connection, ExecResult } from './types.ts'
import type { LocalTarget } from './target.ts'

export function connectLocal(t: LocalTarget): Connection {
  const sockets = new Set<Socket>()
  return {
    host: t.host,
    exec: (command, opts = {}) =>
      new Promise<ExecResult>((resolve, reject) => {
        const timeoutMs = opts.timeoutMs ?? t.commandTimeoutMs
        // A process group of its own: a timeout ends what the shell started too, not the shell alone.
        const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
        const out: Buffer[] = []
        const err: Buffer[] = []
        let timedOut = false
        const timer = setTimeout(() => {
          timedOut = true
          try {
            process.kill(-child.pid!, 'SIGKILL')
          } catch {}
          // Told now: a process that escaped the group may keep the pipes open for as long as it likes.
          reject(new KvmplayError('timeout', `${t.host}: command timed out after ${timeoutMs / 1000} s`))
        }, timeoutMs)
        child.stdout.on('data', (d: Buffer) => out.push(d))
        child.stderr.on('data', (d: Buffer) => err.push(d))
        child.on('error', (e) => reject(new KvmplayError('command', `${t.host}: cannot run /bin/sh: ${e.message}`)))
        child.on('close', (code, signal) => {
          clearTimeout(timer)
          if (timedOut) return
          resolve({ code: code ?? 128 + (signal ? osConstants.signals[signal] : 127), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
        })
        child.stdin.on('error', () => {}) // a command that does not read its stdin
        child.stdin.end(opts.stdin ?? undefined)
      }),
    openUnixSocket: (path) =>
      new Promise((resolve, reject) => {
        const socket = connect(path)
        socket.once('connect', () => {
          sockets.add(socket)
          socket.once('close', () => sockets.delete(socket))
          resolve(socket)
        })
        socket.once('error', (e) => reject(new KvmplayError('connect', `${t.host}: cannot open ${path}: ${e.message}`)))
      }),
    close: async () => {
      for (const s of sockets) s.destroy()
    },
  }
}
