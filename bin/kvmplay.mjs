#!/usr/bin/env node
// kvmplay runs from a bundle of its TypeScript sources (bin/bundle.mjs),
// rebuilt whenever a source changes, so there is no build step to forget.
// Should bundling fail, it runs from the sources through tsx, only slower.
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
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli.ts')
}
