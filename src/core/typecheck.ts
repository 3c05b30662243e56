/**
 * `kvmplay run` type-checks the playbook with the TypeScript compiler before
 * it loads it or contacts any host: the types that tell a user `bridg` is not
 * an option, or that `value: true` is not a sysctl value, are the playbook's
 * first check, not an editor's suggestion. The compiler options are
 * kvmplay's own (a user's folder needs no tsconfig), and `kvmplay` resolves
 * to the running kvmplay's sources, as it does when the playbook loads.
 *
 * A check that passed is remembered (typecheck-cache.ts) until the playbook
 * or anything it imports changes: a warm run pays a few milliseconds, not
 * the compiler's start (figures in docs/playbooks.md, "Typed playbooks").
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'
import { KvmplayError } from './errors.ts'
import { PACKAGE_ROOT } from '../paths.ts'
import { findCompiler, packageDirOf, parseOutput, runCompiler } from './tsc.ts'
import type { Diagnostic } from './tsc.ts'
import { cacheDir, passedBefore, rememberPassed } from './typecheck-cache.ts'

/** What the check found: the playbook's own errors (none: it passed), or why it could not run. */
export interface TypecheckResult {
  errors: Diagnostic[]
  /** It passed before, and nothing it reads has changed since: the compiler did not run. */
  cached: boolean
  ms: number
  /** Why the playbook was not checked (no compiler for this platform): the run goes on, saying so. */
  skipped?: string
}

const TYPED = new Set(['.ts', '.mts', '.cts'])

/**
 * The compiler options: strict, and the playbook an ES module whatever its
 * folder's package.json says, since kvmplay loads it as one (module
 * "preserve"); @types/node and `kvmplay` from kvmplay's own dependencies.
 */
export function projectFor(playbook: string, buildInfo?: string): object {
  return {
    compilerOptions: {
      // What the compiler learnt of kvmplay's sources, kept: a playbook edited is checked again in about half the time.
      ...(buildInfo ? { incremental: true, tsBuildInfoFile: buildInfo } : {}),
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'preserve',
      moduleResolution: 'bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      types: ['node'],
      typeRoots: [dirname(packageDirOf('@types/node'))],
      paths: { kvmplay: [join(PACKAGE_ROOT, 'src/index.ts')], 'kvmplay/tasks': [join(PACKAGE_ROOT, 'tasks/index.ts')] },
    },
    files: [playbook],
  }
}

/** Errors in kvmplay's own sources or in installed packages are not the playbook's to fix, and are left out. */
const playbooksOwn = (d: Diagnostic) =>
  !d.file || !(d.file.includes(`${sep}node_modules${sep}`) || [join(PACKAGE_ROOT, 'src'), join(PACKAGE_ROOT, 'tasks')].some((dir) => d.file!.startsWith(dir + sep)))

export async function typecheckPlaybook(path: string): Promise<TypecheckResult> {
  const playbook = resolve(path)
  const started = performance.now()
  const done = (r: Omit<TypecheckResult, 'ms'>): TypecheckResult => ({ ...r, ms: Math.round(performance.now() - started) })
  if (!TYPED.has(extname(playbook))) return done({ errors: [], cached: false, skipped: `${playbook} is not TypeScript` })
  const compiler = await findCompiler()
  if ('missing' in compiler) return done({ errors: [], cached: false, skipped: `no TypeScript compiler: ${compiler.missing}` })
  const dir = cacheDir()
  const key = createHash('sha256').update(`${compiler.version}\0${JSON.stringify(projectFor(playbook))}`).digest('hex').slice(0, 32)
  const project = JSON.stringify(projectFor(playbook, dir && join(dir, `${key}.tsbuildinfo`)), null, 2)
  if (dir && passedBefore(dir, key)) return done({ errors: [], cached: true })
  // The project file names the playbook: one per playbook (and kvmplay), beside the cache entries; without a cache, in a temporary directory.
  const scratch = dir ? undefined : mkdtempSync(join(tmpdir(), 'kvmplay-typecheck-'))
  const projectFile = join(dir ?? scratch!, `tsconfig.${key}.json`)
  writeFileSync(projectFile, project)
  const { code, out } = await runCompiler(compiler.exe, projectFile, dirname(playbook))
    .catch((err: Error) => ({ code: null, out: err.message }))
    .finally(() => scratch && rmSync(scratch, { recursive: true, force: true }))
  const { diagnostics, files } = parseOutput(out, dirname(playbook))
  if (code === null) return done({ errors: [], cached: false, skipped: `the TypeScript compiler did not run: ${out.trim().split('\n')[0]}` })
  const errors = diagnostics.filter(playbooksOwn)
  if (errors.length === 0 && dir) rememberPassed(dir, key, files)
  return done({ errors, cached: false })
}

/** A diagnostic as a terminal shows it: `site.play.ts:4:12: TS2561 …` (the path relative where that is shorter). */
export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  if (!d.file) return `${d.code}: ${d.message}`
  const rel = relative(cwd, d.file)
  const path = rel.startsWith('..') ? d.file : rel
  return `${path}:${d.line}:${d.column}: ${d.code}: ${d.message.replace(/\n/g, '\n    ')}`
}

const SHOWN = 20

/**
 * The check as `kvmplay run` makes it: throws a playbook error listing the
 * type errors (exit 4, nothing run, no host contacted); resolves with a
 * warning to print where the playbook could not be checked.
 */
export async function checkPlaybookTypes(playbook: string): Promise<{ warning?: string; result: TypecheckResult }> {
  const result = await typecheckPlaybook(playbook)
  if (result.errors.length) {
    const list = result.errors.slice(0, SHOWN).map((d) => `  ${formatDiagnostic(d)}`)
    if (result.errors.length > SHOWN) list.push(`  … and ${result.errors.length - SHOWN} more`)
    const n = result.errors.length
    throw new KvmplayError('playbook', `the TypeScript compiler found ${n} error${n === 1 ? '' : 's'} in the playbook; nothing was run and no host was contacted (--no-typecheck skips this check):\n${list.join('\n')}`)
  }
  const warning = result.skipped && TYPED.has(extname(playbook)) ? `the playbook was not type-checked (${result.skipped}); its tasks' options are still checked` : undefined
  return { warning, result }
}
