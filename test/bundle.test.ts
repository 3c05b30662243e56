/**
 * The bundle kvmplay runs from (bin/bundle.mjs): built from the sources,
 * rebuilt when one changes, and safe when several runs build it at once.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BUNDLE = pathToFileURL(join(ROOT, 'bin/bundle.mjs')).href

/** A source file's modification time moved by `seconds` (0: back exactly, to the nanosecond, as git left it). */
function withMtime(path: string) {
  const ns = statSync(path, { bigint: true }).mtimeNs
  const set = (seconds: number) => {
    const t = ns + BigInt(seconds) * 1_000_000_000n
    execFileSync('touch', ['-m', '-d', `@${t / 1_000_000_000n}.${(t % 1_000_000_000n).toString().padStart(9, '0')}`, path])
  }
  return { shift: set, restore: () => set(0) }
}

/** bundle() in a fresh Node process, as bin/kvmplay.mjs calls it: its directory. */
function bundleInChild(): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const { bundle } = await import(${JSON.stringify(BUNDLE)}); console.log(await bundle())`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err)))))
}

test('the bundle has the command line, the library and the tasks, and knows the package root', async () => {
  const dir = await bundleInChild()
  for (const entry of ['cli.mjs', 'index.mjs', 'tasks.mjs']) assert.ok(existsSync(join(dir, entry)), entry)
  const lib = await import(pathToFileURL(join(dir, 'index.mjs')).href)
  assert.type(lib.playbook, 'function')
  // What a task of one's own needs (docs/writing-tasks.md), as a playbook gets it: from the bundle.
  const authoring = ['defineTask', 'converged', 'factRequest', 'resource', 'commandStep', 'runChecked', 'sh', 'quote', 'fileWish', 'planFile', 'planFileAgainst', 'KvmplayError']
  const facts = ['fileFact', 'sysctlFact', 'pathExistsFact', 'commandSucceedsFact', 'hostNetworkFact', 'libvirtFact', 'ifcfgFilesFact', 'osFact', 'packagesFact', 'unitFact', 'membershipFact', 'kernelModuleFact', 'storagePoolFact']
  for (const name of [...authoring, ...facts]) assert.ok(lib[name], `kvmplay exports ${name}`)
  const tasks = await import(pathToFileURL(join(dir, 'tasks.mjs')).href)
  assert.type(tasks.editDomainInterface, 'function')
  for (const name of ['packages', 'service', 'groupMember', 'kernelModule', 'storagePool']) assert.type(tasks[name], 'function', name)
})

test('a changed source gives a new bundle; the same sources, the same one', async () => {
  const source = withMtime(join(ROOT, 'tasks/sysctl.ts'))
  const before = await bundleInChild()
  assert.is(await bundleInChild(), before)
  try {
    source.shift(1)
    const after = await bundleInChild()
    assert.is.not(after, before)
    assert.ok(existsSync(join(after, 'cli.mjs')))
    rmSync(after, { recursive: true })
  } finally {
    source.restore()
  }
  assert.is(await bundleInChild(), before)
})

test('runs that build the same bundle at once all get a whole one', async () => {
  const source = withMtime(join(ROOT, 'tasks/sysctl.ts'))
  try {
    source.shift(2)
    const dirs = await Promise.all([bundleInChild(), bundleInChild(), bundleInChild()])
    assert.is(new Set(dirs).size, 1)
    for (const entry of ['cli.mjs', 'index.mjs', 'tasks.mjs']) assert.ok(existsSync(join(dirs[0], entry)), entry)
    rmSync(dirs[0], { recursive: true })
  } finally {
    source.restore()
  }
})

test.run()
