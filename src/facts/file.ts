/** A remote file: whether it exists, its type, mode, owner, group and content. */
import { sh } from '../core/quote.ts'
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export interface FileState {
  exists: boolean
  type?: 'file' | 'directory' | 'symlink' | 'other'
  /** Octal, four digits: "0644". */
  mode?: string
  owner?: string
  group?: string
  size?: number
  /** UTF-8 content of a regular file. */
  content?: string
}

const TYPES: Record<string, FileState['type']> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'symlink',
}

export const fileFact: Fact<FileState, string> = {
  describe: (path) => `file ${path}`,
  name: 'file',
  reads: (path) => [resource.path(path)],
  // stat -L: a symlinked config file is judged (and written) by what it points to.
  // base64 wraps its lines, and no pipe to tr unwraps them: two processes a file, not three.
  command: (path) => sh`if [ -e ${path} ]; then stat -L -c '%F|%a|%U|%G|%s' -- ${path} && if [ -f ${path} ]; then base64 < ${path}; fi; else echo absent; fi`,
  parse: (res, path) => {
    if (res.code !== 0) throw new KvmplayError('fact', `cannot read ${path} (exit ${res.code}): ${res.stderr.trim()}`)
    const newline = res.stdout.indexOf('\n')
    const head = newline === -1 ? res.stdout : res.stdout.slice(0, newline)
    const body = newline === -1 ? '' : res.stdout.slice(newline + 1).replace(/\s+/g, '')
    if (head === 'absent') return { exists: false }
    const m = /^(.+)\|([0-7]+)\|([^|]*)\|([^|]*)\|(\d+)$/.exec(head)
    if (!m) throw new KvmplayError('fact', `unexpected stat output for ${path}: ${JSON.stringify(head)}`)
    const type = TYPES[m[1]] ?? 'other'
    return {
      exists: true,
      type,
      mode: m[2].padStart(4, '0'),
      owner: m[3],
      group: m[4],
      size: Number(m[5]),
      content: type === 'file' ? Buffer.from(body, 'base64').toString('utf8') : undefined,
    }
  },
}
