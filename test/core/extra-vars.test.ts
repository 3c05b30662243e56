import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseExtraVars } from '../../src/core/extra-vars.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('ev')

test('key=value pairs, several per -e, quotes stripped', () => {
  assert.equal(parseExtraVars(['a=1 b="two words"', "c='x=y'"]), { a: '1', b: 'two words', c: 'x=y' })
})

test('a JSON or YAML object, and @file', () => {
  const dir = temp.make()
  writeFileSync(join(dir, 'v.yaml'), 'bridge: br0\nhosts_list: [a, b]\n')
  assert.equal(parseExtraVars(['{"n": 2}', `@${join(dir, 'v.yaml')}`]), { n: 2, bridge: 'br0', hosts_list: ['a', 'b'] })
})

test('later -e wins', () => {
  assert.equal(parseExtraVars(['a=1', 'a=2']), { a: '2' })
})

test('garbage and missing files are clear usage errors', () => {
  assert.throws(() => parseExtraVars(['justaword']), /expected key=value/)
  assert.throws(() => parseExtraVars(['@/nonexistent/x.yaml']), /cannot be read/)
  assert.throws(() => parseExtraVars(['1bad=x']), /not a valid variable name/)
  assert.throws(() => parseExtraVars(['[1, 2]']), /expected key=value/)
})

test.after(temp.removeAll)
test.run()
