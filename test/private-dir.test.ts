/**
 * Where kvmplay keeps the bundles it runs (bin/private-dir.mjs): a directory
 * of the user's alone, made so; one another user owns, or that others can
 * write to, or a symlink, or one in a parent that lets others swap it, is
 * refused saying why. Ownership by another user needs root to set up.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { notRoot, skipIf } from './helpers/skip.ts'
import { tempDirs } from './helpers/temp.ts'

const ROOT = new URL('..', import.meta.url).pathname
const { privateDir, packageDir } = await import(pathToFileURL(join(ROOT, 'bin/private-dir.mjs')).href)
const temp = tempDirs('private-dir')
test.after(temp.removeAll)
const asRoot = skipIf(test, notRoot('cannot give a directory to another user'))

const mode = (path: string) => statSync(path).mode & 0o7777
const refusal = (path: string): string => {
  try {
    privateDir(path)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`${path} was accepted`)
}

test('a missing directory is made, mode 0700 and ours', () => {
  const dir = join(temp.make(), 'kvmplay-bundle-x')
  assert.is(privateDir(dir), dir)
  assert.is(mode(dir), 0o700)
  assert.is(statSync(dir).uid, process.getuid!())
})

test('one of ours that others may only read (as kvmplay made it before) is narrowed to 0700 and used', () => {
  const dir = join(temp.make(), 'old')
  mkdirSync(dir, { mode: 0o755 })
  chmodSync(dir, 0o755)
  assert.is(privateDir(dir), dir)
  assert.is(mode(dir), 0o700)
})

test('one others can write to, a symlink, or a file is refused, saying why and what to do, and left as it is', () => {
  const base = temp.make()
  for (const m of [0o777, 0o770, 0o702]) {
    const dir = join(base, `open-${m.toString(8)}`)
    mkdirSync(dir)
    chmodSync(dir, m)
    assert.match(refusal(dir), `${dir} is writable by others (mode 0${m.toString(8)}); kvmplay runs code from it, so it must be yours alone: remove it, or set TMPDIR`)
    assert.is(mode(dir), m)
  }
  const mine = join(base, 'mine')
  mkdirSync(mine, { mode: 0o700 })
  symlinkSync(mine, join(base, 'link'))
  assert.match(refusal(join(base, 'link')), `${join(base, 'link')} is a symbolic link`)
  writeFileSync(join(base, 'file'), '')
  assert.match(refusal(join(base, 'file')), `${join(base, 'file')} is not a directory`)
})

test('one in a parent others may write to is refused unless the parent is sticky, as /tmp is', () => {
  const open = temp.make()
  chmodSync(open, 0o777)
  assert.match(refusal(join(open, 'c')), `${open} lets others replace what is in it (mode 0777, not sticky)`)
  chmodSync(open, 0o1777)
  assert.is(privateDir(join(open, 'd')), join(open, 'd'))
})

asRoot("another user's directory is refused", () => {
  const dir = join(temp.make(), 'planted')
  mkdirSync(dir, { mode: 0o700 })
  chownSync(dir, 65534, 65534)
  assert.match(refusal(dir), `${dir} belongs to uid 65534, not to you (uid 0)`)
})

/** A package's own cache directory, made by packageDir and used. */
function packageCache() {
  const pkg = temp.make()
  const dir = join(pkg, 'node_modules/.cache/kvmplay')
  assert.is(packageDir(dir, pkg), dir)
  return { pkg, dir }
}

test("the package's own directory: ours or the package owner's, not writable by others; else none", () => {
  const { pkg, dir } = packageCache()
  assert.is(mode(dir), 0o755)
  chmodSync(dir, 0o775)
  assert.is(packageDir(dir, pkg), undefined)
})

// Root running a package another user owns trusts that user's cache as it trusts the package's code; a third user's, no.
asRoot("the package's own directory, run by root: the package owner's is used, a third user's is not", () => {
  const { pkg, dir } = packageCache()
  chownSync(pkg, 65534, 65534)
  chownSync(dir, 65534, 65534)
  assert.is(packageDir(dir, pkg), dir)
  chownSync(pkg, 0, 0)
  assert.is(packageDir(dir, pkg), undefined)
})

test.run()
