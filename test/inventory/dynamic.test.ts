/** A dynamic inventory script that fails, prints no JSON or the wrong shape: an inventory error naming the call and what is wrong. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { loadInventory } from '../../src/inventory/index.ts'
import { tempDirs } from '../helpers/temp.ts'
import { writeTree } from '../helpers/inventory-tree.ts'
import { errorMessageOf } from '../helpers/errors.ts'

const temp = tempDirs('dynamic')

test('a script that fails, prints no JSON, or groups of the wrong shape', () => {
  const root = writeTree(temp.make(), {
    'fails.sh': '#!/bin/sh\necho "cloud API: 401" >&2\nexit 2\n',
    'text.sh': '#!/bin/sh\necho "[web]"\n',
    'shape.sh': '#!/bin/sh\necho \'{"web": {"hosts": "w1"}}\'\n',
    'meta.sh': '#!/bin/sh\necho \'{"web": ["w1"], "_meta": {"hostvars": {"w1": [1]}}}\'\n',
  })
  const at = (f: string) => join(root, f)
  const message = (f: string) => errorMessageOf('inventory', () => [...loadInventory(at(f)).hosts.values()].map((h) => h.vars))
  assert.is(message('fails.sh'), `inventory script ${at('fails.sh')} --list failed (exit 2): cloud API: 401`)
  assert.match(message('text.sh'), `inventory script ${at('text.sh')} --list: its output is not JSON (`)
  assert.is(message('shape.sh'), `inventory script ${at('shape.sh')} --list: group 'web': hosts must be a list of host names`)
  assert.is(message('meta.sh'), `inventory script ${at('meta.sh')} --list: the vars of host 'w1' must be a mapping of variable names to values`)
})

test.after(temp.removeAll)
test.run()
