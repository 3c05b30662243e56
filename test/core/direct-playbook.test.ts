/**
 * Which playbooks load without module hooks (direct-playbook.ts), and that a
 * kept one behaves as the playbook: its kvmplay imports reach the modules
 * given, and a throw names the playbook's own .ts line.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { directPlaybook } from '../../src/core/direct-playbook.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('direct')

function setup() {
  const dir = temp.make()
  const lib = join(dir, 'lib.mjs')
  writeFileSync(lib, 'export const playbook = (p) => ({ ...p, marked: true })\n')
  const entries = { kvmplay: pathToFileURL(lib).href, 'kvmplay/tasks': pathToFileURL(lib).href }
  const cache = join(dir, 'cache')
  const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name))
  return { dir, entries, cache, write }
}

test('a playbook of kvmplay and node: imports is compiled once, kept, and imported directly', async () => {
  const { entries, cache, write } = setup()
  const file = write('ok.play.ts', "import { join } from 'node:path'\nimport { playbook } from 'kvmplay'\nconst name: string = join('a', 'b')\nexport default playbook({ name })\n")
  const url = await directPlaybook(file, cache, entries)
  assert.ok(url)
  const mod = await import(url!)
  assert.equal(mod.default, { name: 'a/b', marked: true })
  assert.is(await directPlaybook(file, cache, entries), url, 'the kept copy, not a new one')
  assert.is(readdirSync(cache).length, 1)
})

test('a throw in a kept playbook names the playbook\'s .ts line', async () => {
  const { entries, cache, write } = setup()
  const file = write('throws.play.ts', "import { playbook } from 'kvmplay'\nconst n: number = 1\nthrow new Error('line three')\n")
  const url = await directPlaybook(file, cache, entries)
  process.setSourceMapsEnabled(true)
  const err = await import(url!).then(() => undefined, (e: Error) => e)
  assert.match(err?.stack ?? '', `${file}:3:`)
})

test('own files, packages, import.meta or a dynamic import: left to the hooks, and remembered', async () => {
  const { entries, cache, write } = setup()
  write('helper.ts', 'export const x = 1\n')
  const cases = [
    "import { x } from './helper.ts'\nexport default x\n",
    "import YAML from 'yaml'\nexport default YAML\n",
    'export default import.meta.url\n',
    "const m = await import('node:' + 'fs')\nexport default m\n",
  ]
  for (const [i, text] of cases.entries()) {
    const file = write(`case${i}.play.ts`, text)
    assert.is(await directPlaybook(file, cache, entries), undefined, text)
  }
  assert.is(readdirSync(cache).filter((f) => f.endsWith('.hooked')).length, cases.length)
})

test('a syntax error is thrown with the playbook\'s path, line and column', async () => {
  const { entries, cache, write } = setup()
  const file = write('syntax.play.ts', "import { playbook } from 'kvmplay'\nexport default playbook({ tasks: [ })\n")
  const err = (await directPlaybook(file, cache, entries).then(() => undefined, (e) => e)) as { errors: { location: { file: string; line: number } }[] }
  assert.is(err.errors[0].location.file, file)
  assert.is(err.errors[0].location.line, 2)
  assert.not.ok(existsSync(cache) && readdirSync(cache).length)
})

test.after(temp.removeAll)
test.run()
