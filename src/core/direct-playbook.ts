/**
 * A playbook that imports nothing but kvmplay and Node's built-ins — every
 * playbook this package ships — loads without module hooks. Registering the
 * hooks starts Node's hooks thread and blocks for ~100 ms on every run, on the
 * way to the first host. Such a playbook is compiled once with esbuild, its
 * `kvmplay` imports pointed at the running bundle, and kept by path and
 * content beside the bundle; later runs import the kept module directly.
 *
 * A playbook that imports its own files or packages, or reads import.meta
 * (whose URL would be the kept copy's, not the playbook's), is left to the
 * hooks (playbook-hooks.mjs), as is any playbook when esbuild cannot run.
 * Syntax errors are thrown as esbuild reports them (with file and line).
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Written whole or not at all (runs at the same time may read it); only a cache, so a failure is ignored. */
function keep(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    writeFileSync(tmp, text)
    renameSync(tmp, path)
  } catch {
    // a read-only cache: compile again next time
  }
}

const isSyntaxError = (err: unknown) => Array.isArray((err as { errors?: unknown[] }).errors) && (err as { errors: unknown[] }).errors.length > 0

/**
 * The URL to import `file` from without hooks, or undefined where the hooks
 * must load it. `entries` maps 'kvmplay' and 'kvmplay/tasks' to the bundle's modules.
 */
export async function directPlaybook(file: string, cacheDir: string, entries: Record<string, string>): Promise<string | undefined> {
  const source = readFileSync(file, 'utf8')
  const base = join(cacheDir, createHash('sha256').update(`${file}\0${source}`).digest('hex').slice(0, 32))
  if (existsSync(`${base}.direct.mjs`)) return pathToFileURL(`${base}.direct.mjs`).href
  if (existsSync(`${base}.hooked`)) return undefined
  let selfContained = true
  let code: string
  try {
    const esbuild = await import('esbuild')
    const result = await esbuild.build({
      stdin: { contents: source, loader: 'ts', sourcefile: file, resolveDir: dirname(file) },
      // Source map paths from /, rooted at file:///: stack traces name the playbook's own .ts lines.
      absWorkingDir: '/',
      sourceRoot: 'file:///',
      sourcemap: 'inline',
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [
        {
          name: 'kvmplay-direct',
          setup(build) {
            // Nothing is bundled: every import stays an import, and any but kvmplay's and Node's sends the playbook to the hooks.
            build.onResolve({ filter: /.*/ }, (args) => {
              if (entries[args.path]) return { path: entries[args.path], external: true }
              if (!isBuiltin(args.path)) selfContained = false
              return { path: args.path, external: true }
            })
          },
        },
      ],
    })
    code = result.outputFiles[0].text
  } catch (err) {
    if (!isSyntaxError(err)) return undefined
    // The only input is the playbook; esbuild names it relative to the working directory (/).
    for (const e of (err as { errors: { location?: { file: string } }[] }).errors) if (e.location) e.location.file = file
    throw err
  }
  if (!selfContained || /\bimport\.meta\b|\bimport\s*\(/.test(code)) {
    keep(`${base}.hooked`, '')
    return undefined
  }
  keep(`${base}.direct.mjs`, code)
  return existsSync(`${base}.direct.mjs`) ? pathToFileURL(`${base}.direct.mjs`).href : undefined
}
