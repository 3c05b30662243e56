/**
 * An ssh_config file as the lines ssh reads, in order, each with its file
 * and line number. The npm `ssh-config` parser does the parsing (quotes,
 * `=` separators, comments, Host/Match sections); this module only lays its
 * tree out flat again, numbers the lines, and turns what ssh would refuse
 * — an unknown keyword, a keyword without a value, an unclosed quote, a file
 * it cannot read — into an error naming file:line. Include is left to the
 * evaluation (evaluate.ts), since what an included file's lines mean
 * depends on the block it is included from.
 */
import { readFileSync } from 'node:fs'
import SSHConfig from 'ssh-config'
import { KvmplayError } from '../../core/errors.ts'
import { SSH_CONFIG_KEYWORDS } from './keywords.ts'

export interface ConfigLine {
  /** Lower case, as ssh compares keywords. */
  keyword: string
  /** The value's words, quotes removed (one word for keywords that take the rest of the line). */
  args: string[]
  /** The value as one string, for keywords whose value is the rest of the line (ProxyCommand). */
  value: string
  file: string
  line: number
}

export const configError = (file: string, line: number, what: string) => new KvmplayError('inventory', `ssh_config ${file}:${line}: ${what}`)

interface ParsedLine {
  type: number
  param?: string
  value?: string | { val: string; separator: string; quoted?: boolean }[]
  before: string
  after: string
  config?: ParsedLine[]
}

const newlines = (s: string) => s.split('\n').length - 1

/**
 * What the parser would silently misread, found line by line first: a
 * keyword with no value (it would take the next line as its value), and an
 * unclosed quote (which it reports without a line number).
 */
function checkLines(file: string, text: string): void {
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    if (!/^\S+?[\s=]/.test(line) || /^[^\s=]+[\s=]*(#.*)?$/.test(line)) throw configError(file, i + 1, `${line.split(/[\s=]/)[0]}: missing argument`)
    try {
      SSHConfig.parse(line)
    } catch (e) {
      throw configError(file, i + 1, (e as Error).message)
    }
  })
}

/** Parses ssh_config text (read from `file`, for messages) into its lines, checked as ssh checks them. */
export function parseSshConfig(text: string, file: string): ConfigLine[] {
  checkLines(file, text)
  const tree = SSHConfig.parse(text) as unknown as ParsedLine[]
  const lines: ConfigLine[] = []
  const ignoreUnknown: string[] = []
  let seen = 0
  const walk = (nodes: ParsedLine[]) => {
    for (const node of nodes) {
      seen += newlines(node.before)
      const line = seen + 1
      seen += newlines(node.after)
      if (node.type === SSHConfig.DIRECTIVE && node.param) {
        const keyword = node.param.toLowerCase()
        const words = Array.isArray(node.value) ? node.value.map((v) => v.val) : [node.value ?? '']
        const value = Array.isArray(node.value) ? node.value.map((v, i) => (i ? v.separator : '') + (v.quoted ? `"${v.val}"` : v.val)).join('') : (node.value ?? '')
        if (keyword === 'ignoreunknown') ignoreUnknown.push(...words.flatMap((w) => w.split(',')))
        const ignored = ignoreUnknown.some((p) => globRegExp(p, true).test(keyword))
        if (!SSH_CONFIG_KEYWORDS.has(keyword) && !ignored) throw configError(file, line, `Bad configuration option: ${node.param}`)
        if (SSH_CONFIG_KEYWORDS.has(keyword)) lines.push({ keyword, args: words, value, file, line })
      }
      if (node.config) walk(node.config)
    }
  }
  walk(tree)
  return lines
}

const cache = new Map<string, ConfigLine[]>()

/**
 * The lines of the file at `path`, read once per run. A missing file is
 * `undefined` when `optional` (ssh skips a missing ~/.ssh/config), an error
 * otherwise (ssh refuses a missing -F file).
 */
export function readSshConfigFile(path: string, optional: boolean): ConfigLine[] | undefined {
  if (cache.has(path)) return cache.get(path)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (optional && err.code === 'ENOENT') return undefined
    throw new KvmplayError('inventory', `ssh_config ${path}: cannot read it: ${err.message}`)
  }
  const lines = parseSshConfig(text, path)
  cache.set(path, lines)
  return lines
}

/** ssh's pattern syntax: `*` any run of characters, `?` exactly one. */
export function globRegExp(pattern: string, ignoreCase = false): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${body}$`, ignoreCase ? 'i' : '')
}
