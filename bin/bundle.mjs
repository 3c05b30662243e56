// The bundle kvmplay runs from: src/ and tasks/ with their pure-JS
// dependencies in a few files, built by esbuild. Loading it takes about
// 0.16 s; compiling the sources on import with tsx took 0.39 s, paid by every
// run (measured with `kvmplay --help`).
//
// It is rebuilt whenever a source changes, so there is no build step to
// forget: the bundle's directory is named after the sources' paths, sizes and
// modification times, and a missing directory is built (about 0.3 s) into a
// temporary one and renamed into place, so concurrent runs never see half a
// bundle. The bundles are kept where nobody else can write (private-dir.mjs),
// the temporary ones too: kvmplay runs what is there.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packageDir, privateDir } from './private-dir.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SOURCES = ['src', 'tasks']
const OLD_BUNDLE_MS = 24 * 3600_000
// Packages that may carry native addons, found next to their own files, and
// the lab's zx (loaded only by `kvmplay lab`): left to Node to load, from
// this package's node_modules by absolute URL, wherever the bundle is kept.
const EXTERNAL_PACKAGES = /^(ssh2|node-ssh|cpu-features|zx|esbuild|tsx)(\/.*)?$/

/** Imports of the external packages point at this package's copies (a bundle in a per-user directory has no node_modules beside it). */
const externalsFromHere = {
  name: 'kvmplay-externals',
  setup(build) {
    build.onResolve({ filter: EXTERNAL_PACKAGES }, (args) => ({ path: import.meta.resolve(args.path), external: true }))
  },
}

function sourcesKey() {
  const hash = createHash('sha256').update(`${ROOT}\0${process.version}\0`)
  // The build's own settings (this file) and the dependencies count as sources too.
  for (const file of ['bin/bundle.mjs', 'package.json', 'package-lock.json']) {
    const path = join(ROOT, file)
    if (existsSync(path)) hash.update(`${file}\0${Math.trunc(statSync(path).mtimeMs)}\0`)
  }
  for (const dir of SOURCES) {
    for (const name of readdirSync(join(ROOT, dir), { recursive: true }).sort()) {
      if (!/\.(m?ts|mjs)$/.test(name)) continue
      const st = statSync(join(ROOT, dir, name))
      hash.update(`${dir}/${name}\0${st.size}\0${Math.trunc(st.mtimeMs)}\0`)
    }
  }
  return hash.digest('hex').slice(0, 16)
}

/**
 * Beside the package when it may be written there, else a directory of this
 * user's alone in $TMPDIR. One there that is not (another user's, open to
 * others, a symlink) throws, and kvmplay runs from the sources instead: it
 * still works, only slower, and says what to remove; refusing to run at all
 * would let anyone who can create a name in /tmp stop everyone's kvmplay.
 */
function cacheDir() {
  return packageDir(join(ROOT, 'node_modules', '.cache', 'kvmplay'), ROOT) ?? privateDir(join(tmpdir(), `kvmplay-bundle-${process.getuid?.() ?? 'user'}`))
}

async function build(outdir) {
  const esbuild = await import('esbuild')
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'src/cli.ts', index: 'src/index.ts', tasks: 'tasks/index.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    external: ['*.node'],
    plugins: [externalsFromHere],
    sourcemap: 'linked',
    define: { __KVMPLAY_ROOT__: JSON.stringify(ROOT) },
    // Bundled CommonJS dependencies call require() for Node's built-ins.
    banner: { js: "import { createRequire as __kvmplayCreateRequire } from 'node:module'; const require = __kvmplayCreateRequire(import.meta.url);" },
    logLevel: 'error',
  })
}

/** Old bundles (other sources) are removed after a day: a run that started on one may still load its lazy chunks. */
function pruneOld(dir, keep) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (name !== keep && Date.now() - statSync(path).mtimeMs > OLD_BUNDLE_MS) rmSync(path, { recursive: true, force: true })
  }
}

/** The directory of an up-to-date bundle (cli.mjs, index.mjs, tasks.mjs), built if needed. */
export async function bundle() {
  const dir = cacheDir()
  const key = sourcesKey()
  const out = join(dir, key)
  if (existsSync(join(out, 'cli.mjs'))) {
    const now = new Date()
    utimesSync(out, now, now)
    return out
  }
  const tmp = join(dir, `.tmp-${key}-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  try {
    await build(tmp)
    renameSync(tmp, out)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    // Another run built the same bundle first: use it.
    if (!existsSync(join(out, 'cli.mjs'))) throw err
  }
  pruneOld(dir, key)
  return out
}
