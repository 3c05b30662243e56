import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { renderString, renderTemplate, TemplateError } from '../src/render.ts'
import { tempDirs } from './helpers/temp.ts'

const temp = tempDirs('tpl')

test('renders variables as given, without HTML escaping', () => {
  assert.is(renderString('IPADDR={{ip}}\n', { ip: '198.18.1.2' }), 'IPADDR=198.18.1.2\n')
})

test('a missing variable is an error that names it', () => {
  assert.throws(
    () => renderString('GATEWAY={{gateway}}', {}, 'ifcfg-br0'),
    (e: Error) => e instanceof TemplateError && /ifcfg-br0: variable 'gateway' is not defined/.test(e.message),
  )
})

test('a templates/ folder given first overrides the built-in template of the same name', () => {
  const dir = temp.make()
  mkdirSync(join(dir, 'lab'))
  writeFileSync(join(dir, 'lab/sshd-lab.conf.hbs'), 'custom {{x}}')
  assert.is(renderTemplate('lab/sshd-lab.conf.hbs', { x: 1 }, [dir]), 'custom 1')
  assert.match(renderTemplate('lab/sshd-lab.conf.hbs', { rootOn22: false, rootPort: 2222, cheap: false }), 'PermitRootLogin no')
})

test('an unknown template is an error naming where it looked', () => {
  assert.throws(() => renderTemplate('nope.hbs', {}), /template 'nope.hbs' not found/)
})

test.after(temp.removeAll)
test.run()
