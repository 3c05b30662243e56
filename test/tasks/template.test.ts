/**
 * template, planned against a canned file fact: rendered from the host's vars
 * under the task's own, strict about missing variables, looked up in the
 * playbook's templates/ before the built-in ones, and planned as a file
 * (create, replace, or converged when the content already matches).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { template } from '../../tasks/template.ts'
import type { TemplateOptions } from '../../tasks/template.ts'
import type { Host } from '../../src/core/host.ts'
import type { FileState } from '../../src/facts/file.ts'
import type { ConnectionStep } from '../../src/core/task.ts'
import { cannedHost } from '../helpers/host.ts'
import { errorMessageOf, rejectionMessageOf } from '../helpers/errors.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('template')
test.after(temp.removeAll)

/** A playbook folder of its own, with these templates in its templates/. */
function playbookDir(templates: Record<string, string>) {
  const dir = temp.make()
  for (const [name, text] of Object.entries(templates)) {
    mkdirSync(join(dir, 'templates', name, '..'), { recursive: true })
    writeFileSync(join(dir, 'templates', name), text)
  }
  return dir
}

const MOTD = 'Welcome to {{inventory_hostname}}, site {{site}}{{#if note}} ({{note}}){{/if}}.\n'

/** kvm1, with these vars, in a playbook folder holding motd.hbs; /etc/motd is `current`. */
function host(vars: Record<string, unknown> = { site: 'par1' }, current: FileState = { exists: false }, templates: Record<string, string> = { 'motd.hbs': MOTD }): Host {
  return { ...cannedHost({ file: (path: string) => (path === '/etc/motd' ? current : { exists: false }) }, 'kvm1'), vars, playbookDir: playbookDir(templates) }
}
const motd = (o: Partial<TemplateOptions> = {}) => template({ src: 'motd.hbs', dest: '/etc/motd', ...o })
const rendered = async (task = motd(), h = host()) => {
  const [step] = (await task.plan(h)).steps as ConnectionStep[]
  return step.diff!.after
}

test("renders the host's vars and its inventory name", async () => {
  assert.is(await rendered(), 'Welcome to kvm1, site par1.\n')
})

test("the task's vars are over the host's; a function of the host computes them per host", async () => {
  assert.is(await rendered(motd({ vars: { site: 'lab', note: 'managed' } })), 'Welcome to kvm1, site lab (managed).\n')
  assert.is(await rendered(motd({ vars: (h) => ({ note: `for ${h.name}` }) })), 'Welcome to kvm1, site par1 (for kvm1).\n')
})

test('a variable the template uses and nobody gave is a template error naming it, before any step', async () => {
  const task = motd()
  const h = host({})
  // prepare() is where the runner renders: an error there leaves the host untouched.
  assert.match(errorMessageOf('template', () => task.prepare!(h)), "motd.hbs: variable 'site' is not defined; pass it in the template's vars")
  assert.match(await rejectionMessageOf('template', task.plan(h)), "variable 'site' is not defined")
})

test("the playbook's templates/ overrides the built-in template of that name", async () => {
  const task = template({ src: 'ifcfg/port.hbs', dest: '/etc/motd' })
  const ours = host({ device: 'eth0' }, { exists: false }, { 'ifcfg/port.hbs': 'ours: {{device}}\n' })
  assert.is(await rendered(task, ours), 'ours: eth0\n')
  const builtIn = await rendered(task, host({ device: 'eth0', bridge: 'br0', onboot: 'yes', hwaddr: '52:54:00:00:00:01', nmControlled: 'no' }))
  assert.match(builtIn, /^# Managed by kvmplay: eth0 is a port of bridge br0/)
})

test('a template found nowhere is a template error saying where it looked', async () => {
  const h = host()
  const message = errorMessageOf('template', () => template({ src: 'nope.hbs', dest: '/etc/motd' }).prepare!(h))
  assert.match(message, `template 'nope.hbs' not found in ${join(h.playbookDir, 'templates')}, `)
})

test('plans a create of a missing file, with a diff from nothing', async () => {
  const [step] = (await motd({ mode: '0644' }).plan(host())).steps
  assert.is(step.summary, 'create /etc/motd')
  assert.equal(step.diff, { label: '/etc/motd', before: '', after: 'Welcome to kvm1, site par1.\n', modes: { before: undefined, after: '0644' } })
})

test('converged when the file already holds the rendered content; replaced when it holds other', async () => {
  const file = (content: string): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content })
  const same = await motd().plan(host(undefined, file('Welcome to kvm1, site par1.\n')))
  assert.equal(same, { steps: [], reason: '/etc/motd is as wished' })
  const other = await motd({ backup: false }).plan(host(undefined, file('old\n')))
  assert.equal(other.steps.map((s) => s.summary), ['replace /etc/motd'])
})

test('what prepare rendered is what plan writes, per host', async () => {
  const task = motd({ vars: (h) => ({ note: h.name }) })
  const a = host()
  const b = { ...host(), name: 'kvm2' }
  await task.prepare!(a)
  await task.prepare!(b)
  assert.is(await rendered(task, a), 'Welcome to kvm1, site par1 (kvm1).\n')
  assert.is(await rendered(task, b), 'Welcome to kvm2, site par1 (kvm2).\n')
})

test('a relative dest or a bad mode is refused when the playbook is built', () => {
  assert.match(errorMessageOf('validation', () => template({ src: 'motd.hbs', dest: 'etc/motd' })), 'invalid path "etc/motd"')
  assert.match(errorMessageOf('validation', () => template({ src: 'motd.hbs', dest: '/etc/motd', mode: '644x' })), 'invalid mode "644x"')
})

test.run()
