/**
 * The TypeScript compiler kvmplay type-checks playbooks with: the
 * `typescript` package, a dependency of kvmplay's. TypeScript 7 is a native
 * program with no stable JavaScript API (only `typescript/unstable/*`), so
 * kvmplay runs its executable — as the package's own `tsc` script does, minus
 * the Node process in between — and reads its plain (`--pretty false`) output.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PACKAGE_ROOT } from '../paths.ts'

export interface Diagnostic {
  /** Absolute; undefined for an error of the configuration, not of a file. */
  file?: string
  line?: number
  column?: number
  code: string
  message: string
}

export interface Compiler {
  exe: string
  version: string
}

/** The compiler installed with kvmplay (at `root`), or why there is none (an unsupported platform, an install without it). */
export async function findCompiler(root = PACKAGE_ROOT): Promise<Compiler | { missing: string }> {
  try {
    const require = createRequire(join(root, 'package.json'))
    const pkg = require.resolve('typescript/package.json')
    const version = (require(pkg) as { version: string }).version
    // The package's own lookup of its platform's executable (not among its exports, so by path).
    const { default: exePath } = (await import(pathToFileURL(join(dirname(pkg), 'lib', 'getExePath.js')).href)) as { default: () => string }
    return { exe: exePath(), version }
  } catch (err) {
    return { missing: (err as Error).message.split('\n')[0] }
  }
}

/** Where a package's files are, from kvmplay's own node_modules (or above it, where npm hoisted them). */
export function packageDirOf(name: string): string {
  return dirname(createRequire(join(PACKAGE_ROOT, 'package.json')).resolve(`${name}/package.json`))
}

/** `file(line,col): error TSnnnn: message`, the first line of a diagnostic; the lines after it that are indented continue it. */
const LOCATED = /^(.+)\((\d+),(\d+)\): error (TS\d+): (.*)$/
const UNLOCATED = /^error (TS\d+): (.*)$/

/** Diagnostics and the files the program read (`--listFiles`), from the compiler's output. */
export function parseOutput(out: string, cwd: string): { diagnostics: Diagnostic[]; files: string[] } {
  const diagnostics: Diagnostic[] = []
  const files: string[] = []
  for (const line of out.split('\n')) {
    const at = LOCATED.exec(line)
    const general = at ? null : UNLOCATED.exec(line)
    if (at) diagnostics.push({ file: resolve(cwd, at[1]), line: Number(at[2]), column: Number(at[3]), code: at[4], message: at[5] })
    else if (general) diagnostics.push({ code: general[1], message: general[2] })
    else if (/^\s/.test(line) && diagnostics.length && line.trim()) diagnostics[diagnostics.length - 1].message += `\n${line.trimEnd()}`
    else if (line.startsWith('/')) files.push(line.trim())
  }
  return { diagnostics, files }
}

/** Runs the compiler on a project file; resolves with what it said (exit 0: no error; 1 or 2: errors). */
export function runCompiler(exe: string, project: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(exe, ['-p', project, '--pretty', 'false', '--listFiles'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', fail)
    child.on('close', (code) => done({ code, out }))
  })
}
