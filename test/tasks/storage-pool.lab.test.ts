/**
 * storagePool on a lab host's real libvirtd: --check changes nothing, a run
 * defines, builds (mkdir), autostarts and starts the pool — read back with
 * virsh on the host — and a second run changes nothing.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { TEST_LAB, labSkipReason, labTest, onHost, useLab } from '../helpers/lab.ts'
import { labDown } from '../../src/lab/lab.ts'
import { kvmplay, recapOf, FIXTURES } from '../helpers/cli.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const pool = suite('storagePool on the lab')
const it = labTest(pool)
const PLAY = join(FIXTURES, 'storage-pool.play.ts')
const POOL = 'kvmplay-test-pool'
const DIR = '/var/lib/libvirt/kvmplay-test-pool'
let h1: HostPlan
let inventory: string

/** The pool as the host's own virsh says it, and whether its directory is there. */
const onH1 = () => onHost(h1, `virsh pool-info ${POOL} 2>&1 | grep -E '^(State|Autostart|Persistent|error)'; [ -d ${DIR} ] && echo dir-present || echo dir-absent`)
const cleanup = () => onHost(h1, `virsh pool-destroy ${POOL} >/dev/null 2>&1; virsh pool-undefine ${POOL} >/dev/null 2>&1; rmdir ${DIR} 2>/dev/null; true`)

pool.before(async () => {
  if (labSkipReason) return
  const lab = await useLab(1).catch(async (e) => {
    await labDown(TEST_LAB)
    throw e
  })
  h1 = lab.hosts[0]
  inventory = lab.inventory
  await cleanup()
})

pool.after(async () => {
  if (h1) await cleanup()
})

it('--check says it would define the pool and changes nothing; a run makes it; a second run changes nothing', async () => {
  const t0 = Date.now()
  const check = kvmplay(['run', PLAY, '-i', inventory, '--check', '--json'])
  assert.is(check.code, 0, check.out + check.err)
  assert.is(recapOf(check.out).hosts.h1.changed, 1)
  assert.match(await onH1(), 'dir-absent')
  assert.match(await onH1(), 'error')

  const run = kvmplay(['run', PLAY, '-i', inventory, '--json'])
  assert.is(run.code, 0, run.out + run.err)
  assert.is(recapOf(run.out).hosts.h1.changed, 1)
  const state = await onH1()
  assert.match(state, /^State:\s+running$/m)
  assert.match(state, /^Autostart:\s+yes$/m)
  assert.match(state, /^Persistent:\s+yes$/m)
  assert.match(state, 'dir-present')

  const again = kvmplay(['run', PLAY, '-i', inventory, '--json'])
  assert.is(again.code, 0, again.out + again.err)
  assert.is(recapOf(again.out).hosts.h1.changed, 0)
  console.log(`storagePool lab: check, run and second run in ${Date.now() - t0} ms`)
})

pool.run()
