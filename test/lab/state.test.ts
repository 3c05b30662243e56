/**
 * Where a lab lives, without building one: its name, network and directory
 * from the options over the environment over the defaults, a recorded lab
 * in that directory winning where the user did not say otherwise, and the
 * paths of what it writes.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { resolveLab, readRecord, writeRecord, labPaths, hostPaths } from '../../src/lab/state.ts'
import { tempDirs } from '../helpers/temp.ts'

const ENV = ['KVMPLAY_LAB', 'KVMPLAY_LAB_DIR', 'KVMPLAY_LAB_NET'] as const
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]))
const temp = tempDirs('state')
const tempDir = temp.make

test.before.each(() => {
  for (const k of ENV) delete process.env[k]
})
test.after(() => {
  for (const k of ENV) saved[k] === undefined ? delete process.env[k] : (process.env[k] = saved[k])
  temp.removeAll()
})

/** A lab name whose default directory holds no lab on this machine, so no record there decides. */
const unusedName = () => {
  for (let i = 0; ; i++) if (!existsSync(`/tmp/kvmplay-u${i}`)) return `u${i}`
}

test('defaults: the directory is /tmp/kvmplay-NAME, the network 198.18', () => {
  const name = unusedName()
  assert.equal(resolveLab({ name }), { name, net: '198.18', dir: `/tmp/kvmplay-${name}` })
})

test('the environment gives what the options leave out; the options win', () => {
  const dir = tempDir()
  process.env.KVMPLAY_LAB = 'envlab'
  process.env.KVMPLAY_LAB_DIR = dir
  process.env.KVMPLAY_LAB_NET = '198.19'
  assert.equal(resolveLab(), { name: 'envlab', net: '198.19', dir })
  const other = tempDir()
  assert.equal(resolveLab({ name: 'mine', dir: other, net: '198.18' }), { name: 'mine', net: '198.18', dir: other })
})

test('the directory is made absolute', () => {
  const name = unusedName()
  assert.is(resolveLab({ name, dir: `tmp-${name}` }).dir, resolve(`tmp-${name}`))
})

test('bad names and networks are refused with what is allowed', () => {
  const dir = tempDir()
  assert.throws(() => resolveLab({ name: 'Lab', dir }), /invalid lab name 'Lab': use 1–6 lowercase letters or digits/)
  assert.throws(() => resolveLab({ name: 'toolongname', dir }), /invalid lab name/)
  process.env.KVMPLAY_LAB = '1lab'
  assert.throws(() => resolveLab({ dir }), /invalid lab name '1lab'/, 'from the environment too')
  assert.throws(() => resolveLab({ name: 'a', dir, net: '10.0' }), /invalid lab network '10.0': use one of 198.18, 198.19/)
})

test('a directory every lab host overlays is refused, naming a place that works', () => {
  for (const dir of ['/etc', '/var/tmp/lab', '/root/lab', '/home/me/lab', '/usr/local/lab']) {
    assert.throws(() => resolveLab({ name: 'a', dir }), (e: Error) => e.message.startsWith(`lab directory ${dir} is under /`) && e.message.endsWith('e.g. --dir /tmp/kvmplay-a'), dir)
  }
  // Only those directories themselves and what is under them: a name that starts alike is fine.
  assert.is(resolveLab({ name: 'a', dir: '/etcetera-kvmplay-test' }).dir, '/etcetera-kvmplay-test')
})

test('a lab recorded in the directory: its network holds unless the user asks for another', () => {
  const dir = tempDir()
  writeRecord({ name: 'rec', net: '198.19', dir }, 2)
  assert.equal(readRecord(dir), { name: 'rec', net: '198.19', hosts: 2 })
  assert.equal(resolveLab({ name: 'rec', dir }), { name: 'rec', net: '198.19', dir })
  process.env.KVMPLAY_LAB_NET = '198.18'
  assert.is(resolveLab({ name: 'rec', dir }).net, '198.19', 'the record over the environment')
  assert.throws(() => resolveLab({ name: 'rec', dir, net: '198.18' }), (e: Error) => e.message === `lab 'rec' in ${dir} uses 198.19.0.0/16; bring it down before moving it to 198.18.0.0/16`)
})

test("a recorded lab's name: another one given as an option is refused; one from the environment gives way", () => {
  const dir = tempDir()
  writeRecord({ name: 'rec', net: '198.18', dir }, 1)
  assert.throws(() => resolveLab({ name: 'other', dir }), (e: Error) => e.message === `${dir} holds lab 'rec', not 'other': pass --name rec or another --dir`)
  process.env.KVMPLAY_LAB = 'other'
  assert.is(resolveLab({ dir }).name, 'rec')
})

test('no record: readRecord is undefined; writeRecord makes the directory', () => {
  const dir = join(tempDir(), 'new', 'lab')
  assert.is(readRecord(dir), undefined)
  writeRecord({ name: 'n', net: '198.18', dir }, 3)
  assert.equal(readRecord(dir), { name: 'n', net: '198.18', hosts: 3 })
})

test('every path a lab writes is under its directory', () => {
  assert.equal(labPaths('/tmp/kvmplay-lab'), {
    record: '/tmp/kvmplay-lab/lab.json',
    key: '/tmp/kvmplay-lab/id_ed25519',
    knownHosts: '/tmp/kvmplay-lab/known_hosts',
    inventory: '/tmp/kvmplay-lab/inventory.yaml',
    sshConfig: '/tmp/kvmplay-lab/ssh_config',
    base: '/tmp/kvmplay-lab/base',
    hosts: '/tmp/kvmplay-lab/hosts',
  })
  assert.equal(hostPaths('/tmp/kvmplay-lab', 'h2'), {
    root: '/tmp/kvmplay-lab/hosts/h2',
    upper: '/tmp/kvmplay-lab/hosts/h2/upper',
    work: '/tmp/kvmplay-lab/hosts/h2/work',
    pid: '/tmp/kvmplay-lab/hosts/h2/pid',
    log: '/tmp/kvmplay-lab/hosts/h2/boot.log',
    status: '/tmp/kvmplay-lab/hosts/h2/boot.status',
  })
})

test.run()
