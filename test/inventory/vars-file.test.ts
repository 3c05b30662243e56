/** A group_vars/host_vars file that is not a mapping of vars, or not YAML: an inventory error naming the file (and line), never a vaulted file's content. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadVarsFile } from '../../src/inventory/vars-file.ts'
import { tempDirs } from '../helpers/temp.ts'
import { errorMessageOf } from '../helpers/errors.ts'
import { vaultFile } from '../helpers/ansible.ts'

const temp = tempDirs('vars-file')

test('not YAML, a list, a string; a vaulted scalar is named by its type, not shown; an empty file is no vars', () => {
  const dir = temp.make()
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const message = (path: string) => errorMessageOf('inventory', () => loadVarsFile(path, [{ id: 'default', password: Buffer.from('pw') }]))
  assert.is(message(file('bad.yml', 'a: 1\n  b: [\n')), `${join(dir, 'bad.yml')}:1: not valid YAML: Nested mappings are not allowed in compact mappings`)
  assert.is(message(file('list.yml', '- a\n- b\n')), `${join(dir, 'list.yml')}: must be a mapping of variable names to values (got a list)`)
  assert.is(message(file('text.json', '"just text"')), `${join(dir, 'text.json')}: must be a mapping of variable names to values (got the string "just text")`)
  const vaulted = file('vaulted.yml', 'the-secret-scalar\n')
  vaultFile(vaulted, file('pw', 'pw\n'))
  assert.is(message(vaulted), `${vaulted}: must be a mapping of variable names to values (got a string)`)
  assert.equal(loadVarsFile(file('empty.yml', '# nothing yet\n'), []), {})
})

test.after(temp.removeAll)
test.run()
