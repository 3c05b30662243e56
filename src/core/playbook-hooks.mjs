// Module hooks (node:module register) for loading playbooks. They run on
// Node's hooks thread and see only what is imported after loadPlaybook
// registers them: the playbook and what it imports.
// - A playbook anywhere on disk can `import … from 'kvmplay'` / 'kvmplay/tasks'
//   and gets this kvmplay (the bundle or the sources, whichever is running),
//   without installing it beside the playbook.
// - TypeScript outside node_modules is compiled here with esbuild (types
//   stripped, an inline source map so errors point at the .ts lines), and
//   loads as an ES module even where no package.json says "type": "module"
//   (a playbook in ~/plays), so `import` and top-level `await` work everywhere.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** @type {Record<string, string>} specifier → file URL */
let entries = {}
/** @type {Promise<typeof import('esbuild')> | undefined} */
let esbuild

export function initialize(data) {
  entries = data?.entries ?? {}
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
  esbuild ??= import('esbuild')
  const { code } = await (await esbuild).transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: file,
  })
  return { format: 'module', source: code, shortCircuit: true }
}
