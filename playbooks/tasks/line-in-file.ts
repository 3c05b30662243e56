/**
 * lineInFile: one line kept in a config file, the rest of the file left as
 * it is. An example of a task of your own: typed facts declared once, a
 * pure edit of the text, and the file task's plan (atomic write, backup,
 * rollback journal, diff) for the write.
 */
import { defineTask, converged, factRequest, fileFact, fileWish, planFile, KvmplayError } from 'kvmplay'
import type { Task, TaskOptions } from 'kvmplay'

export interface LineInFileOptions extends TaskOptions {
  /** Absolute path on the host; created (mode 0644 unless `mode`) when missing and the line is wanted. */
  path: string
  /** The whole line, without its newline. Required for 'present'; for 'absent' it is what to remove unless `match` says. */
  line?: string
  /** The lines that are the line's, whatever they say now: a RegExp, or a string a line begins with (leading blanks ignored). The line itself always matches. */
  match?: RegExp | string
  /** 'present' (default): the first matching line becomes `line` (or it is appended) and later ones go; 'absent': every matching line goes. */
  state?: 'present' | 'absent'
  /** Octal mode, '0644' or 0o644; left out, an existing file keeps its own. */
  mode?: string | number
}

const invalid = (what: string) => new KvmplayError('validation', `lineInFile: ${what}`)

/**
 * A test for the lines that are the wanted line's. The line itself always
 * counts: a `match` it does not fit would otherwise append it again on every
 * run. A RegExp is copied without g or y, whose test() remembers where it stopped.
 */
function matcher(match: RegExp | string | undefined, line: string | undefined): (l: string) => boolean {
  if (match instanceof RegExp) {
    const re = new RegExp(match.source, match.flags.replace(/[gy]/g, ''))
    return (l) => l === line || re.test(l)
  }
  if (typeof match === 'string') {
    if (match === '' || /[\r\n]/.test(match)) throw invalid(`match ${JSON.stringify(match)} must be a non-empty string on one line`)
    return (l) => l === line || l.trimStart().startsWith(match)
  }
  return (l) => l === line
}

/**
 * The text with the line kept (or removed): a pure function of the text, so
 * the task's plan is one comparison and its tests need no host.
 *
 * @example
 * ```ts
 * editLines('a\n#X 1\n', { line: 'X 2', matches: (l) => /^#?X\b/.test(l), state: 'present' }) // 'a\nX 2\n'
 * ```
 */
export function editLines(text: string, want: { line?: string; matches: (l: string) => boolean; state: 'present' | 'absent' }): string {
  const lines = text === '' ? [] : text.split('\n')
  const endsInNewline = text === '' || text.endsWith('\n')
  if (endsInNewline) lines.pop()
  const first = lines.findIndex(want.matches)
  const present = want.state === 'present'
  const kept = lines.flatMap((l, i) => (!want.matches(l) ? [l] : present && i === first ? [want.line!] : []))
  const append = present && first === -1
  if (append) kept.push(want.line!)
  // A file that did not end in a newline keeps its last line as it was, unless a line is appended.
  return kept.length === 0 ? '' : kept.join('\n') + (endsInNewline || append ? '\n' : '')
}

/**
 * @example
 * ```ts
 * lineInFile({ path: '/etc/ssh/sshd_config', line: 'PermitRootLogin prohibit-password', match: /^#?\s*PermitRootLogin\b/ })
 * lineInFile({ path: '/etc/ssh/sshd_config', match: 'UseDNS', state: 'absent' })
 * ```
 */
export function lineInFile(opts: LineInFileOptions): Task {
  const state = opts.state ?? 'present'
  if (state !== 'present' && state !== 'absent') throw invalid(`state ${JSON.stringify(state)} must be 'present' or 'absent'`)
  if (opts.line !== undefined && (typeof opts.line !== 'string' || /[\r\n]/.test(opts.line))) {
    throw invalid(`line ${JSON.stringify(opts.line)} must be one line, without a newline`)
  }
  if (state === 'present' && opts.line === undefined) throw invalid(`give the line to keep in ${opts.path}`)
  if (state === 'absent' && opts.line === undefined && opts.match === undefined) throw invalid(`give the line, or a match, to remove from ${opts.path}`)
  // Checks the path and mode now, when the playbook is built, before any host is contacted.
  const wish = fileWish({ path: opts.path, mode: opts.mode })
  const want = { line: opts.line, matches: matcher(opts.match, opts.line), state }
  const what = state === 'present' ? opts.line! : `no line matching ${String(opts.match ?? opts.line)}`
  return defineTask(
    {
      name: `${what} in ${wish.path}`,
      facts: () => ({ current: factRequest(fileFact, wish.path) }),
      plan: (_host, { current }) => {
        if (!current.exists && state === 'absent') return converged(`${wish.path} does not exist`)
        const content = editLines(current.content ?? '', want)
        const steps = planFile({ ...wish, content }, current)
        return steps.length ? { steps } : converged(`${what} in ${wish.path}`)
      },
    },
    opts,
  )
}
