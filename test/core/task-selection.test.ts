/** --tags / --skip-tags / --start-at-task with ansible-playbook's meanings, special tags included. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { selectTasks, tagList, tagsAllow } from '../../src/core/task-selection.ts'

const tasks = [
  { name: 'packages', tags: ['setup'] },
  { name: 'bridge br0', tags: ['network', 'setup'] },
  { name: 'facts', tags: ['always'] },
  { name: 'debug', tags: ['never', 'debug'] },
  { name: 'motd' },
]
const names = (sel: Parameters<typeof selectTasks>[1]) => selectTasks(tasks, sel).map((t) => t.name)

test('no selection: all but never', () => {
  assert.equal(names({}), ['packages', 'bridge br0', 'facts', 'motd'])
})

test('--tags: the tagged ones and always; never only when one of its tags is named', () => {
  assert.equal(names({ tags: ['network'] }), ['bridge br0', 'facts'])
  assert.equal(names({ tags: ['debug'] }), ['facts', 'debug'])
  assert.equal(names({ tags: ['never'] }), ['facts', 'debug'])
  assert.equal(names({ tags: ['tagged'] }), ['packages', 'bridge br0', 'facts'])
  assert.equal(names({ tags: ['untagged'] }), ['facts', 'motd'])
})

test('--skip-tags wins over --tags; always goes only when skipped by name or with all', () => {
  assert.equal(names({ skipTags: ['setup'] }), ['facts', 'motd'])
  assert.equal(names({ tags: ['setup'], skipTags: ['network'] }), ['packages', 'facts'])
  assert.equal(names({ skipTags: ['always'] }), ['packages', 'bridge br0', 'motd'])
  assert.equal(names({ skipTags: ['all'] }), ['facts'])
  assert.equal(names({ skipTags: ['tagged'] }), ['motd'])
  assert.ok(tagsAllow(undefined, { skipTags: ['setup'] }))
})

test('--start-at-task: a name or a glob, from the first match on; none is a usage error naming the tasks', () => {
  assert.equal(names({ startAt: 'facts' }), ['facts', 'motd'])
  assert.equal(names({ startAt: 'bridge*' }), ['bridge br0', 'facts', 'motd'])
  assert.equal(names({ startAt: 'bridge*', tags: ['setup'] }), ['bridge br0', 'facts'])
  assert.throws(() => names({ startAt: 'nope' }), /--start-at-task 'nope': no task of the playbook is named so \(its tasks: packages, bridge br0, facts, debug, motd\)/)
})

test('tags from the command line: commas and repeats', () => {
  assert.equal(tagList(['a,b', ' c ', '']), ['a', 'b', 'c'])
  assert.is(tagList(undefined), undefined)
})

test.run()
