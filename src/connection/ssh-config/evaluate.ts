/**
 * Which ssh_config settings apply to a host, decided as OpenSSH's readconf.c
 * decides: the files are read in order (command-line options first), a
 * `Host` or `Match` line switches the lines after it on or off, `Include`
 * reads more files in place (their Host/Match lines cannot switch on a
 * block the Include sits in when that block is off), and for each keyword
 * the first value obtained wins — except the ones that accumulate
 * (IdentityFile …). ProxyJump and ProxyCommand exclude each other: the first
 * of the two wins. `Match final` asks for a second pass, as in ssh.
 */
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { globSync } from 'tinyglobby'
import { KvmplayError } from '../../core/errors.ts'
import { ACCUMULATING_KEYWORDS } from './keywords.ts'
import { configError, globRegExp, readSshConfigFile } from './file.ts'
import type { ConfigLine } from './file.ts'

export interface ConfigSource {
  path: string
  /** A missing file is skipped (the default ~/.ssh/config), else an error (-F FILE). */
  optional: boolean
  /** The user's own file: Include may start with ~ and relative paths are under ~/.ssh (else /etc/ssh). */
  user: boolean
}

/** A setting and where it came from (a command-line option has no file). */
export interface Setting {
  args: string[]
  value: string
  file?: string
  line?: number
}

export interface Evaluated {
  /** keyword (lower case) → the setting that won; accumulating keywords hold every value, in order. */
  settings: Map<string, Setting>
  /** Whether a Host or Match block other than a catch-all applied (tells a real alias from a typo). */
  named: boolean
}

interface Context {
  /** The name ssh was given. */
  original: string
  localUser: string
  settings: Map<string, Setting>
  final: boolean
  wantFinal: boolean
  named: boolean
}

const MAX_INCLUDE_DEPTH = 16

/** One pattern-list entry against a name, with `!` negation: undefined when it says nothing. */
function patternVerdict(pattern: string, name: string, ignoreCase: boolean): boolean | undefined {
  const negated = pattern.startsWith('!')
  if (!globRegExp(negated ? pattern.slice(1) : pattern, ignoreCase).test(name)) return undefined
  return !negated
}

/** ssh's match_pattern_list: a comma-separated list where a matching negation vetoes. */
export function matchPatternList(list: string, name: string, ignoreCase: boolean): boolean {
  let hit = false
  for (const p of list.split(',')) {
    const v = patternVerdict(p, name, ignoreCase)
    if (v === false) return false
    if (v) hit = true
  }
  return hit
}

/** The host name Match host compares: HostName so far with %h expanded, else the name given. */
const currentHost = (ctx: Context) => {
  const h = ctx.settings.get('hostname')?.args[0]
  return h ? h.replace(/%(.)/g, (_, c: string) => (c === 'h' ? ctx.original : c === '%' ? '%' : `%${c}`)) : ctx.original
}

function hostLineMatches(line: ConfigLine, ctx: Context): boolean {
  let hit = false
  for (const p of line.args) {
    const v = patternVerdict(p, ctx.original, false)
    if (v === false) return false
    if (v) hit = true
  }
  if (hit && line.args.some((p) => !p.startsWith('!') && p !== '*')) ctx.named = true
  return hit
}

function matchLineMatches(line: ConfigLine, ctx: Context): boolean {
  const words = [...line.args]
  if (words.length === 0) throw configError(line.file, line.line, 'Match: one or more attributes required')
  let result = true
  let attributes = 0
  while (words.length) {
    const raw = words.shift()!
    const negate = raw.startsWith('!')
    const attr = (negate ? raw.slice(1) : raw).toLowerCase()
    if (attr === 'all') {
      if (attributes > 0 || words.length > 0) throw configError(line.file, line.line, `Match: '${raw}' cannot be combined with other Match attributes`)
      return negate ? false : result
    }
    attributes++
    let r: boolean
    if (attr === 'canonical' || attr === 'final') {
      if (attr === 'final') ctx.wantFinal = true
      r = ctx.final
    } else {
      const arg = words.shift()
      if (arg === undefined) throw configError(line.file, line.line, `Match: missing criteria for ${attr}`)
      const user = ctx.settings.get('user')?.args[0] ?? ctx.localUser
      switch (attr) {
        case 'host':
          r = matchPatternList(arg, currentHost(ctx), true)
          break
        case 'originalhost':
          r = matchPatternList(arg, ctx.original, true)
          break
        case 'user':
          r = matchPatternList(arg, user, false)
          break
        case 'localuser':
          r = matchPatternList(arg, ctx.localUser, false)
          break
        case 'exec':
          throw configError(line.file, line.line, `Match exec is not supported: kvmplay does not run commands from ssh_config (use Match host/originalhost/user)`)
        default:
          throw configError(line.file, line.line, `Match: unsupported attribute ${raw}`)
      }
    }
    if (r === negate) result = false
  }
  if (result && line.args.some((a) => /^!?(host|originalhost)$/i.test(a))) ctx.named = true
  return result
}

function set(ctx: Context, keyword: string, s: Setting): void {
  if (ACCUMULATING_KEYWORDS.has(keyword)) {
    const had = ctx.settings.get(keyword)
    ctx.settings.set(keyword, had ? { ...had, args: [...had.args, ...s.args] } : s)
    return
  }
  if (ctx.settings.has(keyword)) return
  // ProxyJump and ProxyCommand: whichever comes first wins, the other is ignored.
  if ((keyword === 'proxyjump' || keyword === 'proxycommand') && (ctx.settings.has('proxyjump') || ctx.settings.has('proxycommand'))) return
  ctx.settings.set(keyword, s)
}

function includedFiles(line: ConfigLine, source: ConfigSource): string[] {
  return line.args.flatMap((arg) => {
    if (arg.startsWith('~') && !source.user) throw configError(line.file, line.line, `bad include path ${arg} (~ only in the user's own file)`)
    const path = arg.startsWith('~') ? join(homedir(), arg.slice(1)) : isAbsolute(arg) ? arg : join(source.user ? join(homedir(), '.ssh') : '/etc/ssh', arg)
    return expandInclude(path)
  })
}

/** Each Include pattern is expanded once per run, as each file is read once (file.ts): per host it cost 10 ms (a directory walk), 20 % of a 20-host no-op's CPU. */
const includes = new Map<string, string[]>()
function expandInclude(path: string): string[] {
  let files = includes.get(path)
  if (!files) includes.set(path, (files = globSync(path, { absolute: true, onlyFiles: true, expandDirectories: false }).sort()))
  return files
}

function evaluateLines(lines: ConfigLine[], source: ConfigSource, ctx: Context, state: { active: boolean }, neverMatch: boolean, depth: number): void {
  for (const line of lines) {
    switch (line.keyword) {
      case 'host':
        state.active = !neverMatch && hostLineMatches(line, ctx)
        break
      case 'match':
        state.active = matchLineMatches(line, ctx) && !neverMatch
        break
      case 'include': {
        if (depth >= MAX_INCLUDE_DEPTH) throw configError(line.file, line.line, `Include nested more than ${MAX_INCLUDE_DEPTH} deep (an Include loop?)`)
        const outer = state.active
        for (const file of includedFiles(line, source)) {
          const included = readSshConfigFile(file, true)
          if (included) evaluateLines(included, { ...source, path: file }, ctx, state, neverMatch || !outer, depth + 1)
          // An included file's Host/Match lines do not change the state of the block that includes it.
          state.active = outer
        }
        break
      }
      default:
        if (state.active) set(ctx, line.keyword, { args: line.args, value: line.value, file: line.file, line: line.line })
    }
  }
}

/**
 * The settings for `host` from `preset` (command-line options, which come
 * first) and the config files in order.
 */
export function evaluateSshConfig(host: string, sources: ConfigSource[], preset: Map<string, Setting>, localUser: string): Evaluated {
  const ctx: Context = { original: host, localUser, settings: new Map(), final: false, wantFinal: false, named: false }
  for (const [k, s] of preset) set(ctx, k, s)
  const pass = () => {
    for (const source of sources) {
      const lines = readSshConfigFile(source.path, source.optional)
      if (lines) evaluateLines(lines, source, ctx, { active: true }, false, 0)
    }
  }
  pass()
  if (ctx.wantFinal) {
    ctx.final = true
    pass()
  }
  return { settings: ctx.settings, named: ctx.named }
}

export const invalidSetting = (host: string, keyword: string, s: Setting, what: string) =>
  s.file ? configError(s.file, s.line!, `${what} (for host ${host})`) : new KvmplayError('inventory', `host ${host}: ssh option ${keyword}: ${what}`)
