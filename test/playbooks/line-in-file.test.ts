/**
 * The example task of docs/writing-tasks.md, playbooks/tasks/line-in-file.ts: its plan
 * against canned file states (no host), its checks of the options, and that
 * the page shows the file as it is.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { lineInFile, editLines } from '../../playbooks/tasks/line-in-file.ts'
import type { LineInFileOptions } from '../../playbooks/tasks/line-in-file.ts'
import type { FileState } from '../../src/facts/file.ts'
import type { Host } from '../../src/core/host.ts'
import type { Plan } from '../../src/core/task.ts'
import { errorMessageOf, rejectionMessageOf } from '../helpers/errors.ts'

const PATH = '/etc/kvmplay-example.conf'
const ROOT_LOGIN = { path: PATH, line: 'PermitRootLogin prohibit-password', match: /^#?\s*PermitRootLogin\b/ }
const file = (content: string, mode = '0644'): FileState => ({ exists: true, type: 'file', mode, owner: 'root', group: 'root', size: Buffer.byteLength(content), content })

/** A host whose only fact is the file, as given: the plan reads it through the task's declared facts. */
function hostWith(current: FileState): Host {
  return {
    name: 'h1',
    vars: {},
    groups: [],
    playbookDir: '/',
    fact: async () => current as never,
    gather: async (reqs) => reqs.map(() => current) as never,
  }
}

const plan = (opts: LineInFileOptions, current: FileState): Promise<Plan> => lineInFile(opts).plan(hostWith(current))
/** The content the plan's one write would leave (its diff's after). */
async function written(opts: LineInFileOptions, current: FileState): Promise<string> {
  const { steps } = await plan(opts, current)
  assert.is(steps.length, 1, JSON.stringify(steps.map((s) => s.summary)))
  return steps[0].diff!.after
}

test('replace: the matching line becomes the line, in place, the rest kept', async () => {
  const before = '# example\n#PermitRootLogin yes\nPort 22\n'
  const { steps } = await plan(ROOT_LOGIN, file(before))
  assert.is(steps.length, 1)
  assert.match(steps[0].summary, `replace ${PATH} (backup /var/lib/kvmplay/backups${PATH}.`)
  assert.equal(steps[0].diff, { label: PATH, before, after: '# example\nPermitRootLogin prohibit-password\nPort 22\n', modes: { before: '0644', after: '0644' } })
  // What planFile gives for free: the original for a cutover's rollback, and what the step touches.
  assert.equal(steps[0].original, { path: PATH, content: before, mode: '0644', owner: 'root', group: 'root' })
  assert.equal(steps[0].touches, [{ kind: 'path', path: PATH }])
})

test('replace: one line is kept, later matching lines go', async () => {
  assert.is(await written(ROOT_LOGIN, file('PermitRootLogin yes\nPort 22\nPermitRootLogin no\n')), 'PermitRootLogin prohibit-password\nPort 22\n')
})

test('append: a file without the line gets it at the end, with a newline before and after', async () => {
  assert.is(await written(ROOT_LOGIN, file('Port 22\n')), 'Port 22\nPermitRootLogin prohibit-password\n')
  assert.is(await written(ROOT_LOGIN, file('Port 22')), 'Port 22\nPermitRootLogin prohibit-password\n')
  assert.is(await written(ROOT_LOGIN, file('')), 'PermitRootLogin prohibit-password\n')
})

test('append: a missing file is created with the line, mode 0644 unless told', async () => {
  const { steps } = await plan(ROOT_LOGIN, { exists: false })
  assert.is(steps.length, 1)
  assert.is(steps[0].summary, `create ${PATH}`)
  assert.is(steps[0].diff!.after, 'PermitRootLogin prohibit-password\n')
  assert.match((steps[0] as { shell: { command: string } }).shell.command, 'umask 133') // 0644
})

test('converged: the line is there, so nothing to do, and the reason says so', async () => {
  const p = await plan(ROOT_LOGIN, file('Port 22\nPermitRootLogin prohibit-password\n'))
  assert.equal(p, { steps: [], reason: `PermitRootLogin prohibit-password in ${PATH}` })
  // Without a match, the line itself is the match.
  assert.equal((await plan({ path: PATH, line: 'Port 22' }, file('Port 22\n'))).steps, [])
})

test('converged: a file without a final newline is left as it is when the line is there', async () => {
  assert.equal((await plan(ROOT_LOGIN, file('Port 22\nPermitRootLogin prohibit-password'))).steps, [])
})

test('a mode that differs is a chmod, the content left alone', async () => {
  const { steps } = await plan({ ...ROOT_LOGIN, mode: '0600' }, file('PermitRootLogin prohibit-password\n'))
  assert.equal(steps.map((s) => s.summary), [`chmod 0600 ${PATH} (was 0644)`])
})

test('a line that does not fit its match is found by itself on the next run, not appended again', async () => {
  const odd = { path: PATH, line: 'permitrootlogin no', match: /^PermitRootLogin\b/ }
  const once = await written(odd, file('PermitRootLogin yes\n'))
  assert.is(once, 'permitrootlogin no\n')
  assert.equal((await plan(odd, file(once))).steps, [])
})

test('a RegExp with the g flag matches every line (its lastIndex is not carried from one to the next)', async () => {
  const g = { ...ROOT_LOGIN, match: /PermitRootLogin/g }
  assert.is(await written(g, file('PermitRootLogin yes\nPermitRootLogin no\nPermitRootLogin maybe\n')), 'PermitRootLogin prohibit-password\n')
})

test('a string match is a line that begins with it, leading blanks ignored', async () => {
  const s = { path: PATH, line: 'UseDNS no', match: 'UseDNS' }
  assert.is(await written(s, file('  UseDNS yes\n# UseDNS maybe\n')), 'UseDNS no\n# UseDNS maybe\n')
})

test('absent: every matching line goes, other lines and the final newline as they were', async () => {
  assert.is(await written({ path: PATH, match: 'UseDNS', state: 'absent' }, file('UseDNS yes\nPort 22\nUseDNS no\n')), 'Port 22\n')
  assert.is(await written({ path: PATH, line: 'Port 22', state: 'absent' }, file('Port 22\nPort 2222')), 'Port 2222')
  assert.is(await written({ path: PATH, match: /^Port\b/, state: 'absent' }, file('Port 22\n')), '')
})

test('absent: nothing matches, or no file at all: converged, saying why', async () => {
  const absent = { path: PATH, match: 'UseDNS', state: 'absent' as const }
  assert.equal(await plan(absent, file('Port 22\n')), { steps: [], reason: `no line matching UseDNS in ${PATH}` })
  assert.equal(await plan(absent, { exists: false }), { steps: [], reason: `${PATH} does not exist` })
})

test('a directory where the file should be is refused, not replaced', async () => {
  assert.match(await rejectionMessageOf('validation', plan(ROOT_LOGIN, { exists: true, type: 'directory', mode: '0755' })), /exists and is a directory/)
})

test('bad options are refused when the playbook is built, naming what is wrong', () => {
  const refused = (opts: LineInFileOptions) => errorMessageOf('validation', () => lineInFile(opts))
  assert.match(refused({ path: 'etc/x.conf', line: 'a' }), /invalid path "etc\/x\.conf"/)
  assert.match(refused({ path: PATH, line: 'a\nb' }), /line "a\\nb" must be one line, without a newline/)
  assert.match(refused({ path: PATH, line: 'a\r' }), /must be one line/)
  assert.match(refused({ path: PATH }), /give the line to keep in \/etc\/kvmplay-example\.conf/)
  assert.match(refused({ path: PATH, state: 'absent' }), /give the line, or a match, to remove/)
  assert.match(refused({ path: PATH, line: 'a', match: '' }), /match "" must be a non-empty string on one line/)
  assert.match(refused({ path: PATH, line: 'a', state: 'gone' as never }), /state "gone" must be 'present' or 'absent'/)
  assert.match(refused({ path: PATH, line: 'a', mode: '644x' }), /invalid mode/)
})

test('editLines is the pure edit the plan compares', () => {
  const matches = (l: string) => /^#?X\b/.test(l)
  assert.is(editLines('a\n#X 1\n', { line: 'X 2', matches, state: 'present' }), 'a\nX 2\n')
  assert.is(editLines('a\n#X 1\n', { matches, state: 'absent' }), 'a\n')
})

test("docs/writing-tasks.md's copy of the example is the file as it is", () => {
  const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')
  const source = read('../../playbooks/tasks/line-in-file.ts')
  const blocks = [...read('../../docs/writing-tasks.md').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1])
  const shown = blocks.find((b) => b.includes('export function lineInFile('))
  assert.ok(shown, 'docs/writing-tasks.md has no ```ts block with lineInFile')
  assert.fixture(shown!, source)
})

test.run()
