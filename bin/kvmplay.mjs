#!/usr/bin/env node
// kvmplay runs from a bundle of its TypeScript sources (bin/bundle.mjs),
// rebuilt whenever a source changes, so there is no build step to forget.
// Should bundling fail (or the bundles' directory not be safe), it runs from
// the sources through tsx, only slower — and without tsx's cache of compiled
// files, which sits in $TMPDIR/tsx-<uid> unchecked: the same hole again.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundle } from './bundle.mjs'

let dir
try {
  dir = await bundle()
} catch (err) {
  console.error(`kvmplay: could not bundle the sources (${err.message.split('\n')[0]}); running from them, more slowly`)
}
if (dir) {
  await import(pathToFileURL(join(dir, 'cli.mjs')).href)
} else {
  process.env.TSX_DISABLE_CACHE = '1'
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli.ts')
}
