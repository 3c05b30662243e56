/**
 * The package as an npm user gets it: packed, installed into an empty
 * folder and globally, run there with `npx kvmplay` and `kvmplay`, and a
 * playbook of that folder type-checked — by `kvmplay run --syntax-check`
 * with no tsconfig, and by `tsc` with the minimal tsconfig of docs/playbooks.md.
 * npm works from its cache where it can (--prefer-offline); install scripts
 * are not run, as the repository's allowScripts says.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'kvmplay-package-'))
const user = join(dir, 'user')
const globalPrefix = join(dir, 'global')
mkdirSync(user)

const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts']

function sh(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', KVMPLAY_CACHE_DIR: join(dir, 'cache'), npm_config_update_notifier: 'false' },
  })
  return { code: res.status, out: res.stdout, err: res.stderr }
}

/** The tsconfig the docs give for a user's own folder (docs/playbooks.md, "Typed playbooks"), so the two cannot drift. */
function docsTsconfig(): string {
  const page = readFileSync(join(ROOT, 'docs/playbooks.md'), 'utf8')
  const section = page.slice(page.indexOf('## Typed playbooks'))
  const block = /```json\n([\s\S]*?)```/.exec(section)
  if (!block) throw new Error('docs/playbooks.md: no ```json block under "## Typed playbooks"')
  return block[1]
}

const GOOD = `import { playbook } from 'kvmplay'
import { file, persistBridge } from 'kvmplay/tasks'

export default playbook({
  name: 'site',
  hosts: 'all',
  tasks: [file({ path: '/etc/motd', content: 'hi\\n', mode: '0644' }), persistBridge({ bridge: 'br0' })],
})
`

let tarball = ''
let install = { code: 0 as number | null, out: '', err: '' }

test.before(() => {
  const packed = sh('npm', ['pack', '--pack-destination', dir, '--json'], ROOT)
  assert.is(packed.code, 0, packed.err)
  const info = JSON.parse(packed.out)[0] as { filename: string; files: { path: string }[] }
  tarball = join(dir, info.filename)
  writeFileSync(join(dir, 'files.txt'), info.files.map((f) => f.path).join('\n'))
  install = sh('npm', ['install', ...NPM_FLAGS, tarball], user)
  writeFileSync(join(user, 'site.play.ts'), GOOD)
  writeFileSync(join(user, 'typo.play.ts'), GOOD.replace("bridge: 'br0'", "bridg: 'br0'"))
  writeFileSync(join(user, 'hosts.yaml'), 'all:\n  hosts:\n    h1:\n      ansible_connection: local\n')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))

test('the tarball holds what runs: no tests, benchmarks, scripts or lab inventories', () => {
  const files = readFileSync(join(dir, 'files.txt'), 'utf8').split('\n')
  assert.ok(files.includes('bin/kvmplay.mjs'))
  assert.ok(files.includes('tasks/index.ts'))
  assert.ok(files.includes('src/cli.ts'))
  assert.ok(files.includes('docs/tasks.md'), "the README's links to docs/ work in the package too")
  const top = new Set(files.map((f) => f.split('/')[0]))
  for (const gone of ['test', 'bench', 'scripts', 'inventory', '.ci', 'tsconfig.json']) assert.not.ok(top.has(gone), `${gone} is not shipped`)
})

test('installed into an empty folder with no engine warning, `npx kvmplay --help` works', () => {
  assert.is(install.code, 0, install.err)
  assert.not.match(install.err, 'EBADENGINE')
  const help = sh('npx', ['--no-install', 'kvmplay', '--help'], user)
  assert.is(help.code, 0, help.err)
  assert.match(help.out, 'kvmplay run <playbook>')
  assert.not.match(help.err, 'could not bundle')
})

test("a playbook in the user's folder is type-checked by kvmplay with no tsconfig: a typo reported, a correct playbook passed", () => {
  const good = sh('npx', ['--no-install', 'kvmplay', 'run', 'site.play.ts', '-i', 'hosts.yaml', '--syntax-check'], user)
  assert.is(good.code, 0, good.err)
  assert.match(good.out, /types checked in \d+ ms/)
  const typo = sh('npx', ['--no-install', 'kvmplay', 'run', 'typo.play.ts', '-i', 'hosts.yaml', '--syntax-check'], user)
  assert.is(typo.code, 4, typo.out)
  assert.match(typo.err, /typo\.play\.ts:7:\d+: TS2561: .*'bridg' does not exist in type 'BridgeOptions'\. Did you mean to write 'bridge'\?/)
})

test("the docs' minimal tsconfig makes `tsc` in the user's folder report the typo, and nothing in kvmplay", () => {
  writeFileSync(join(user, 'tsconfig.json'), docsTsconfig())
  const tsc = sh('npx', ['--no-install', 'tsc', '-p', '.'], user)
  const errors = tsc.out.split('\n').filter((l) => /error TS/.test(l))
  assert.equal(errors.length, 1, tsc.out)
  assert.match(errors[0], /^typo\.play\.ts\(7,\d+\): error TS2561: .*Did you mean to write 'bridge'\?/)
  rmSync(join(user, 'typo.play.ts'))
  const clean = sh('npx', ['--no-install', 'tsc', '-p', '.'], user)
  assert.is(clean.code, 0, clean.out)
})

test('a global install runs `kvmplay --help` and checks a playbook', () => {
  const res = sh('npm', ['install', '--global', '--prefix', globalPrefix, ...NPM_FLAGS, tarball], dir)
  assert.is(res.code, 0, res.err)
  assert.not.match(res.err, 'EBADENGINE')
  const bin = join(globalPrefix, 'bin', 'kvmplay')
  const help = sh(bin, ['--help'], user)
  assert.is(help.code, 0, help.err)
  assert.match(help.out, 'kvmplay run <playbook>')
  const check = sh(bin, ['run', 'site.play.ts', '-i', 'hosts.yaml', '--syntax-check'], user)
  assert.is(check.code, 0, check.err)
  assert.match(check.out, /types checked in \d+ ms/)
})

test.run()
