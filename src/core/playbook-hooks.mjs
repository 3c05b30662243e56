// Module hooks (node:module register) for loading playbooks that import their
// own files or packages, or read import.meta (the others load without hooks:
// direct-playbook.ts). They run on Node's hooks thread and see only what is
// imported after loadPlaybook registers them: the playbook and what it imports.
// - A playbook anywhere on disk can `import … from 'kvmplay'` / 'kvmplay/tasks'
//   and gets this kvmplay (the bundle or the sources, whichever is running),
//   without installing it beside the playbook.
// - TypeScript outside node_modules is compiled here with esbuild (types
//   stripped, an inline source map so errors point at the .ts lines), and
//   loads as an ES module even where no package.json says "type": "module"
//   (a playbook in ~/plays), so `import` and top-level `await` work everywhere.
// - Compiled playbooks are kept (by path and content) where the bundle says:
//   a run of a playbook compiled before starts no esbuild (~40 ms).
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** @type {Record<string, string>} specifier → file URL */
let entries = {}
/** @type {string | undefined} where compiled playbooks are kept */
let cacheDir
/** @type {Promise<typeof import('esbuild')> | undefined} */
let esbuild

export function initialize(data) {
  entries = data?.entries ?? {}
  cacheDir = data?.cacheDir
}

const isOwnTypeScript = (url) => /\.m?ts$/.test(url) && url.startsWith('file:') && !url.includes('/node_modules/')

export async function resolve(specifier, context, next) {
  const target = entries[specifier]
  if (target) return { url: target, format: 'module', shortCircuit: true }
  const resolved = await next(specifier, context)
  return isOwnTypeScript(resolved.url) ? { ...resolved, format: 'module' } : resolved
}

export async function load(url, context, next) {
  if (!isOwnTypeScript(url)) return next(url, context)
  const file = fileURLToPath(url)
  const source = await readFile(file, 'utf8')
  const kept = cacheDir && join(cacheDir, `${createHash('sha256').update(`${file}\0${source}`).digest('hex').slice(0, 32)}.mjs`)
  if (kept) {
    const code = await readFile(kept, 'utf8').catch(() => undefined)
    if (code !== undefined) return { format: 'module', source: code, shortCircuit: true }
  }
  esbuild ??= import('esbuild')
  const { code } = await (await esbuild).transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file })
  if (kept) await keep(kept, code).catch(() => {}) // only a cache
  return { format: 'module', source: code, shortCircuit: true }
}

/** Written whole or not at all: runs at the same time may read it. */
async function keep(path, code) {
  await mkdir(cacheDir, { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, code)
  await rename(tmp, path)
}
