/** --list-tasks of a playbook whose tasks are a function of the host: hosts with the same list once, one that must read the host to build them said so. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listPlaybook } from '../../src/commands/run-list.ts'
import { playbook } from '../../src/core/playbook.ts'
import { command } from '../../tasks/index.ts'
import { libvirtFact } from '../../src/facts/libvirt.ts'

const host = (name: string, vars: Record<string, unknown> = {}) => ({ name, vars, groups: ['all', 'hypervisors'] })

test('per-host lists grouped by content; a list that needs the host is named, not guessed', async () => {
  const play = playbook({
    name: 'p',
    hosts: 'hypervisors',
    tasks: async (h) => {
      if (h.vars.read) await h.fact(libvirtFact, undefined)
      return [command({ name: `bridge ${h.vars.bridge ?? 'br0'}`, cmd: 'true', tags: ['net'] })]
    },
  })
  const lines = await listPlaybook('/p.play.ts', play, [host('h1'), host('h2'), host('h3', { bridge: 'br9' }), host('h4', { read: true })], { tasks: true, tags: true }, {}, '/')
  assert.equal(lines.slice(3), [
    '    h1–h2:',
    '      tasks:',
    '        bridge br0\tTAGS: [net]',
    '      TASK TAGS: [net]',
    '    h3:',
    '      tasks:',
    '        bridge br9\tTAGS: [net]',
    '      TASK TAGS: [net]',
    '    h4:',
    '      not listed: its tasks are built from what the host has (a listing connects to no host)',
  ])
})

test.run()
