/** The declared shapes of options: unknown keys named with the closest known one, wrong kinds refused. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { closest, editDistance } from '../../src/core/suggest.ts'
import { boolean, checkOptions, listOf, literal, number, object, oneOf, required, string } from '../../src/core/shape.ts'
import { isKvmplayError } from '../../src/core/errors.ts'
import { shape as api, taskOptionFields } from '../../src/index.ts'

const refused = (fn: () => unknown, text: string) =>
  assert.throws(fn, (e: Error) => isKvmplayError(e, 'validation') && e.message.includes(text), text)

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.is(editDistance('mdoe', 'mode'), 1)
  assert.is(editDistance('bridg', 'bridge'), 1)
  assert.is(editDistance('gatway', 'gateway'), 1)
  assert.is(editDistance('abc', 'abc'), 0)
})

test('the closest name is suggested only when it is near enough, case and _ aside', () => {
  assert.is(closest('bridg', ['bridge', 'device']), 'bridge')
  assert.is(closest('mdoe', ['mode', 'owner']), 'mode')
  assert.is(closest('only_if', ['onlyIf', 'unless']), 'onlyIf')
  assert.is(closest('xyz', ['bridge', 'device']), undefined)
})

const shape = object<{ bridge: string; delay?: number; stp?: boolean; dns?: string[]; mode?: 'a' | 'b'; sub?: { start: string } }>({
  bridge: required(string),
  delay: number,
  stp: boolean,
  dns: listOf(string),
  mode: literal('a', 'b'),
  sub: object<{ start: string }>({ start: required(string) }),
})

test('an unknown key is named with the closest known one, and its required twin is not said missing too', () => {
  refused(() => checkOptions('persistBridge', { bridg: 'br0' }, shape), 'persistBridge: unknown option `bridg`: did you mean `bridge`?')
  assert.throws(() => checkOptions('t', { bridg: 'br0' }, shape), (e: Error) => !e.message.includes('missing'))
  refused(() => checkOptions('t', { bridge: 'br0', zzz: 1 }, shape), 'unknown option `zzz` (known: bridge, delay, stp, dns, mode, sub)')
  refused(() => checkOptions('t', { bridge: 'br0', sub: { strat: 'x' } }, shape), 'unknown option `sub.strat`: did you mean `sub.start`?')
})

test('wrong kinds, missing keys and everything wrong at once are refused in one message', () => {
  refused(() => checkOptions('t', {}, shape), '`bridge` is missing: a string')
  refused(() => checkOptions('t', { bridge: 'br0', delay: '3' }, shape), '`delay` must be a number, not "3"')
  refused(() => checkOptions('t', { bridge: 'br0', dns: ['1.1.1.1', 2] }, shape), '`dns[1]` must be a string, not 2')
  refused(() => checkOptions('t', { bridge: 'br0', mode: 'c' }, shape), "`mode` must be 'a' or 'b', not \"c\"")
  refused(() => checkOptions('t', 'br0', shape), 't: the options must be an object, not "br0"')
  refused(() => checkOptions('t', { bridge: 1, stp: 'yes' }, shape), '`bridge` must be a string, not 1; `stp` must be true or false, not "yes"')
  checkOptions('t', { bridge: 'br0', delay: 0, stp: false, dns: [], mode: 'a', sub: { start: 'x' } }, shape)
})

test('one of several object shapes: a near miss is answered by the shape it is nearest to', () => {
  const target = oneOf(object<{ bridge: string }>({ bridge: required(string) }, '{ bridge: … }'), object<{ network: string }>({ network: required(string) }, '{ network: … }'))
  const s = object<{ to: { bridge: string } | { network: string } }>({ to: required(target) })
  checkOptions('t', { to: { network: 'default' } }, s)
  refused(() => checkOptions('t', { to: { netwrok: 'default' } }, s), 'unknown option `to.netwrok`: did you mean `to.network`?')
  refused(() => checkOptions('t', { to: 'br0' }, s), '`to` must be { bridge: … } or { network: … }, not "br0"')
})

test("a task of one's own declares its shape with kvmplay's API, the common options included", () => {
  interface LineOptions {
    name?: string
    path: string
    match?: RegExp | string
  }
  const lineShape = api.object<LineOptions>({ ...taskOptionFields, path: api.required(api.string), match: api.oneOf(api.regexp, api.string) })
  api.checkOptions('lineInFile', { path: '/etc/x', match: /^Port/, notify: 'h' }, lineShape)
  refused(() => api.checkOptions('lineInFile', { path: '/etc/x', mtach: 'Port' }, lineShape), 'lineInFile: unknown option `mtach`: did you mean `match`?')
  refused(() => api.checkOptions('lineInFile', { path: '/etc/x', match: 3 }, lineShape), '`match` must be a RegExp or a string, not 3')
})

test.run()
