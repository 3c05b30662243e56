/**
 * Loads a TypeScript playbook as it is (compiled by direct-playbook.ts, or by
 * the module hooks of playbook-hooks.mjs where it needs them) and reports
 * anything wrong with it — syntax, a throw, a missing or wrong default export
 * — with file and line, before any host is contacted.
 */
import { existsSync } from 'node:fs'
import { register } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { KvmplayError, isKvmplayError } from './errors.ts'
import { BUNDLED, PACKAGE_ROOT } from '../paths.ts'
import { directPlaybook } from './direct-playbook.ts'
import { isPlaybook } from './playbook.ts'
import type { Playbook } from './playbook.ts'

let prepared = false
let hooked = false

/** What a playbook's `import … from 'kvmplay'` gets: the running kvmplay's own modules, so there is one of each. */
function entries(): Record<string, string> {
  const url = (path: string) => pathToFileURL(path).href
  return BUNDLED
    ? { kvmplay: new URL('./index.mjs', import.meta.url).href, 'kvmplay/tasks': new URL('./tasks.mjs', import.meta.url).href }
    : { kvmplay: url(join(PACKAGE_ROOT, 'src/index.ts')), 'kvmplay/tasks': url(join(PACKAGE_ROOT, 'tasks/index.ts')) }
}

/** file:line:column of the first stack frame in the playbook (the source map points it at the .ts source). */
function locate(err: Error, file: string): string | undefined {
  const url = pathToFileURL(file).href
  for (const line of (err.stack ?? '').split('\n')) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim())
    if (m && (m[1] === file || m[1] === url)) return `${file}:${m[2]}:${m[3]}`
  }
  return undefined
}

/** The bundle keeps compiled playbooks beside it (a new bundle, new ones); from the sources, none are kept. */
const CACHE_DIR = BUNDLED ? fileURLToPath(new URL('./playbooks/', import.meta.url)) : undefined

async function importPlaybook(file: string): Promise<Record<string, unknown>> {
  const direct = CACHE_DIR ? await directPlaybook(file, CACHE_DIR, entries()) : undefined
  if (!prepared) {
    // Load what the playbook imports from kvmplay first: once source maps are
    // on, Node reads and parses the map of every module loaded after (~1 MB
    // of JSON for the bundle's chunks), and only the playbook's is needed.
    for (const url of Object.values(entries())) await import(url)
    // Stack traces through the playbook's inline source map: errors name its .ts lines.
    process.setSourceMapsEnabled(true)
    prepared = true
  }
  if (direct) return import(direct)
  if (!hooked) {
    register(pathToFileURL(join(PACKAGE_ROOT, 'src/core/playbook-hooks.mjs')), { data: { entries: entries(), cacheDir: CACHE_DIR } })
    hooked = true
  }
  return import(pathToFileURL(file).href)
}

export async function loadPlaybook(path: string): Promise<{ playbook: Playbook; file: string }> {
  const file = resolve(path)
  if (!existsSync(file)) throw new KvmplayError('playbook', `playbook ${path} does not exist`)
  let mod: Record<string, unknown>
  try {
    mod = await importPlaybook(file)
  } catch (err) {
    const e = err as Error & { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }
    if (e.errors?.length) {
      // esbuild's TransformError: a syntax error, with its location.
      const first = e.errors[0]
      const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}` : file
      throw new KvmplayError('playbook', `${where}: syntax error in playbook: ${first.text}`)
    }
    const syntax = /^(?:.*\n)*?(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(e.message ?? '')
    if (syntax) throw new KvmplayError('playbook', `${syntax[1]}:${syntax[2]}:${syntax[3]}: syntax error in playbook: ${syntax[4]}`)
    const where = locate(e, file) ?? file
    const what = isKvmplayError(e) ? e.message : `${e.name ?? 'Error'}: ${e.message ?? String(err)}`
    throw new KvmplayError('playbook', `${where}: the playbook threw while loading: ${what}`, { cause: err })
  }
  const exported = (mod.default as { default?: unknown } | undefined)?.default ?? mod.default
  if (exported === undefined) {
    throw new KvmplayError('playbook', `${file}: no default export; end the file with \`export default playbook({ name, hosts, tasks })\``)
  }
  if (!isPlaybook(exported)) {
    throw new KvmplayError('playbook', `${file}: the default export is not a playbook; wrap it: \`export default playbook({ ... })\` (import { playbook } from 'kvmplay')`)
  }
  return { playbook: exported, file }
}
