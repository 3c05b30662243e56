/**
 * loadPlaybook on real files in a temp dir, written as users write them
 * (`import … from 'kvmplay'`, wherever the file is): a default export that is
 * a playbook loads; anything else wrong with the file — missing, not a
 * playbook, no default export, a throw, a syntax error — is a 'playbook'
 * error naming the file, before any host is contacted.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPlaybook } from '../../src/core/load-playbook.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('load')
const dir = temp.make()
test.after(temp.removeAll)

/** Each test its own file name: a module once imported stays imported. */
const write = (name: string, text: string) => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
const refusal = (file: string) => rejectionMessageOf('playbook', loadPlaybook(file))

test('a default export made by playbook() loads, with its resolved path', async () => {
  const file = write(
    'site.play.ts',
    "import { playbook } from 'kvmplay'\nimport { command } from 'kvmplay/tasks'\nconst hosts: string = 'hypervisors'\nexport default playbook({ name: 'site', hosts, tasks: [command({ cmd: 'true' })] })\n",
  )
  const { playbook, file: loaded } = await loadPlaybook(file)
  assert.is(loaded, file)
  assert.is(playbook.kind, 'kvmplay-playbook')
  assert.equal([playbook.name, playbook.hosts, playbook.tasks.length], ['site', 'hypervisors', 1])
})

test('a playbook that imports a file of its own loads too', async () => {
  write('hosts.ts', "export const hosts: string = 'edge'\n")
  const file = write('own.play.ts', "import { playbook } from 'kvmplay'\nimport { hosts } from './hosts.ts'\nexport default playbook({ name: 'own', hosts, tasks: [] })\n")
  assert.is((await loadPlaybook(file)).playbook.hosts, 'edge')
})

test('a file that does not exist is named as given', async () => {
  assert.is(await refusal(join(dir, 'nope.play.ts')), `playbook ${join(dir, 'nope.play.ts')} does not exist`)
})

test('a default export that is not a playbook says how to wrap it', async () => {
  const file = write('plain.play.ts', "export default { name: 'x', hosts: 'all', tasks: [] }\n")
  assert.is(await refusal(file), `${file}: the default export is not a playbook; wrap it: \`export default playbook({ ... })\` (import { playbook } from 'kvmplay')`)
})

test('no default export says what to end the file with', async () => {
  const file = write('named.play.ts', "import { playbook } from 'kvmplay'\nexport const site = playbook({ name: 'x', hosts: 'all', tasks: [] })\n")
  assert.is(await refusal(file), `${file}: no default export; end the file with \`export default playbook({ name, hosts, tasks })\``)
})

test("a throw while loading names the file and line, and keeps kvmplay's own message", async () => {
  const thrown = write('throws.play.ts', "import { playbook } from 'kvmplay'\nconst n: number = 1\nthrow new TypeError('no site ' + n)\n")
  assert.match(await refusal(thrown), new RegExp(`^${thrown}:3:\\d+: the playbook threw while loading: TypeError: no site 1$`))
  // A task refusing its options when built, as test/fixtures/broken.play.ts does.
  const refused = write(
    'refused.play.ts',
    "import { playbook } from 'kvmplay'\nimport { file } from 'kvmplay/tasks'\nexport default playbook({\n  name: 'b',\n  hosts: 'all',\n  tasks: [file({ path: 'etc/x', content: '' })],\n})\n",
  )
  assert.match(await refusal(refused), `${refused}:6:`)
  assert.match(await refusal(refused), 'the playbook threw while loading: invalid path "etc/x"')
})

test('a bad playbook() shape is reported as the throw it is, with its own message', async () => {
  const file = write('uncalled.play.ts', "import { playbook } from 'kvmplay'\nimport { command } from 'kvmplay/tasks'\nexport default playbook({ name: 'u', hosts: 'all', tasks: [command] as never })\n")
  assert.match(await refusal(file), 'playbook "u": tasks[0] is not a task (did you forget to call it')
})

test('a syntax error names the file, line and column', async () => {
  const file = write('syntax.play.ts', "import { playbook } from 'kvmplay'\nexport default playbook({ tasks: [ })\n")
  assert.match(await refusal(file), new RegExp(`^${file}:2:\\d+: syntax error in playbook: `))
})

test.run()
