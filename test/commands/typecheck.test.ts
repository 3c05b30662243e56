/**
 * A playbook checked before anything runs, from the command line: its types
 * (the TypeScript compiler), then its tasks' options (their shapes) — and a
 * refusal leaves every host as it was, with no host contacted.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { kvmplay as run } from '../helpers/cli.ts'

/** A folder with its own cache of type-checks, an inventory and a playbook writer. */
function scene() {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-typecheck-'))
  const env = { KVMPLAY_CACHE_DIR: join(dir, 'cache') }
  // This machine, through /bin/sh: what a task would change is a file in this folder.
  const local = join(dir, 'local.ini')
  writeFileSync(local, '[hypervisors]\nh1 ansible_connection=local\n')
  // An address in a range reserved for benchmarks: never dialed, since the checks stop the run first.
  const remote = join(dir, 'remote.ini')
  writeFileSync(remote, '[hypervisors]\nh1 ansible_host=198.18.255.254\n')
  const marker = join(dir, 'marker')
  const play = (name: string, body: string) => {
    const file = join(dir, name)
    writeFileSync(file, `import { playbook } from 'kvmplay'\nimport { file } from 'kvmplay/tasks'\n${body}\n`)
    return file
  }
  const kvmplay = (args: string[]) => run(args, { env })
  return { dir, local, remote, marker, play, kvmplay, done: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A test in a scene of its own, removed after it. */
const inScene = (fn: (s: ReturnType<typeof scene>) => void) => () => {
  const s = scene()
  try {
    fn(s)
  } finally {
    s.done()
  }
}

test('a type error is refused with file:line:col before any host is contacted (exit 4, no play started)', inScene((s) => {
  const p = s.play('typed.play.ts', "const n: number = 'x'\nexport default playbook({ name: 'x', hosts: 'hypervisors', tasks: [] })")
  const { code, out, err } = s.kvmplay(['run', p, '-i', s.remote, '--json', '--timeout', '1'])
  assert.is(code, 4, err)
  assert.match(err, /typed\.play\.ts:3:7: TS2322: Type 'string' is not assignable to type 'number'/)
  assert.match(err, 'nothing was run and no host was contacted')
  // --json writes a play event before the first host is contacted: there is none, nor any sign of a connection.
  assert.is(out, '')
  assert.not.match(err, /unreachable|connect|198\.18/i)
}))

test("a misspelt option is refused before any task runs, by the types and, with --no-typecheck, by the task's shape", inScene((s) => {
  const p = s.play(
    'typo.play.ts',
    `export default playbook({ name: 'x', hosts: 'hypervisors', tasks: [\n  file({ path: ${JSON.stringify(s.marker)}, content: 'ran\\n' }),\n  file({ path: ${JSON.stringify(join(s.dir, 'x'))}, content: 'x\\n', mdoe: '0600' }),\n] })`,
  )
  const typed = s.kvmplay(['run', p, '-i', s.local])
  assert.is(typed.code, 4, typed.err)
  assert.match(typed.err, /typo\.play\.ts:5:\d+: TS2353: .*'mdoe' does not exist in type 'FileOptions'/)
  const untyped = s.kvmplay(['run', p, '-i', s.local, '--no-typecheck'])
  assert.is(untyped.code, 4, untyped.err)
  assert.match(untyped.err, /typo\.play\.ts:5:\d+: the playbook threw while loading: file: unknown option `mdoe`: did you mean `mode`\?/)
  assert.is(typed.out + untyped.out, '')
  assert.not.ok(existsSync(s.marker), 'the task before the misspelt one did not run')
}))

test("tasks built per host are built for every host before the first is contacted: one host's typo stops them all", inScene((s) => {
  const two = join(s.dir, 'two.ini')
  writeFileSync(two, '[hypervisors]\nh1 ansible_connection=local\nh2 ansible_connection=local\n')
  const options = `{ path: ${JSON.stringify(s.marker)}, content: 'ran\\n' }`
  const p = s.play('per-host.play.ts', `export default playbook({ name: 'x', hosts: 'hypervisors', tasks: (host) => [host.name === 'h2' ? file({ ...${options}, mdoe: '0600' } as never) : file(${options})] })`)
  const { code, out, err } = s.kvmplay(['run', p, '-i', two, '-f', '1', '--no-typecheck'])
  assert.is(code, 4, err)
  assert.match(err, 'file: unknown option `mdoe`: did you mean `mode`?')
  assert.is(out, '')
  assert.not.ok(existsSync(s.marker), "h1's task did not run")
}))

test('--syntax-check checks types and options, runs nothing and exits 0; a type error or a typo still fails it', inScene((s) => {
  const good = s.play('good.play.ts', `export default playbook({ name: 'good', hosts: 'hypervisors', tasks: [file({ path: ${JSON.stringify(s.marker)}, content: 'ran\\n' })] })`)
  const { code, out, err } = s.kvmplay(['run', good, '-i', s.local, '--syntax-check'])
  assert.is(code, 0, err)
  assert.match(out, `playbook: ${good}`)
  assert.match(out, /good: 1 task\(s\), their options checked; types checked in \d+ ms; nothing run, no host contacted/)
  assert.not.ok(existsSync(s.marker), 'nothing ran')
  const bad = s.play('bad.play.ts', "export default playbook({ name: 'bad', hosts: 'hypervisors', tasks: [file({ path: '/x', contnet: 'x' })] })")
  const refused = s.kvmplay(['run', bad, '-i', s.local, '--syntax-check'])
  assert.is(refused.code, 4)
  assert.match(refused.err, "'contnet' does not exist in type 'FileOptions'")
  const shape = s.kvmplay(['run', bad, '-i', s.local, '--syntax-check', '--no-typecheck'])
  assert.is(shape.code, 4)
  assert.match(shape.err, 'unknown option `contnet`: did you mean `content`?')
}))

test('--no-typecheck runs a playbook the compiler would refuse (its options being right)', inScene((s) => {
  const p = s.play('loose.play.ts', `const label: number = 'x'\nexport default playbook({ name: label + '', hosts: 'hypervisors', tasks: [file({ path: ${JSON.stringify(s.marker)}, content: 'ran\\n' })] })`)
  assert.is(s.kvmplay(['run', p, '-i', s.local]).code, 4)
  assert.not.ok(existsSync(s.marker))
  const { code, err } = s.kvmplay(['run', p, '-i', s.local, '--no-typecheck'])
  assert.is(code, 0, err)
  assert.ok(existsSync(s.marker), 'the task ran')
}))

test('a check that passed is remembered until the playbook or a module it imports changes', inScene((s) => {
  const helper = join(s.dir, 'paths.ts')
  writeFileSync(helper, `export const target: string = ${JSON.stringify(s.marker)}\n`)
  const p = s.play('cached.play.ts', "import { target } from './paths.ts'\nexport default playbook({ name: 'c', hosts: 'hypervisors', tasks: [file({ path: target, content: 'x\\n' })] })")
  const check = () => s.kvmplay(['run', p, '-i', s.local, '--syntax-check'])
  assert.not.match(check().out, 'unchanged since it last passed')
  assert.match(check().out, 'unchanged since it last passed')
  writeFileSync(helper, 'export const target = 42\n')
  const after = check()
  assert.is(after.code, 4, after.out)
  assert.match(after.err, /cached\.play\.ts:4:\d+: TS2322: Type 'number' is not assignable to type 'string'/)
}))

test.run()
