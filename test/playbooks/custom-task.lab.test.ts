/**
 * The task of your own of docs/writing-tasks.md on a lab host: playbooks/custom-task.play.ts
 * (lineInFile, imported from beside the playbook, so it loads through the
 * module hooks) run by the real CLI. --check leaves the host as it was,
 * --diff changes it and prints the diff, a second run changes nothing; every
 * end state is read from the host over SSH.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fileURLToPath } from 'node:url'
import { labSkipReason, labTest, onHost, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const ct = suite('custom task')
const it = labTest(ct)
const PLAY = fileURLToPath(new URL('../../playbooks/custom-task.play.ts', import.meta.url))
const CONF = '/etc/kvmplay-example.conf'
/** Where the file task keeps CONF's backups (src/core/backups.ts). */
const BACKUPS = `/var/lib/kvmplay/backups${CONF}`
const SEED = '# kvmplay example\n#PermitRootLogin yes\nUseDNS yes\nPort 22\n'
let h1: HostPlan
let inventory: string

const run = (...args: string[]) => kvmplay(['run', PLAY, '-i', inventory, '-l', 'h1', ...args])
/** The example file and its backups as the host has them: equal strings, untouched file. */
const fingerprint = () => onHost(h1, `stat -c '%a %U:%G %s %Y' ${CONF}; md5sum < ${CONF}; ls -a /etc | grep -c '^kvmplay-example'`)
const content = () => onHost(h1, `cat ${CONF}`)

if (!labSkipReason) {
  ct.before(async () => {
    // The shared test lab as it is (healthy hosts kept); only this file is ours.
    const lab = await useLab(3)
    h1 = lab.hosts[0]
    inventory = lab.inventory
    await onHost(h1, `rm -f ${CONF} ${BACKUPS}.*~ && printf '%s' '${SEED}' > ${CONF} && chmod 0644 ${CONF}`)
  })
  ct.after(async () => {
    await onHost(h1, `rm -f ${CONF} ${BACKUPS}.*~`)
  })
}

it('--check reports both lines would change, and the file on the host stays as it was', async () => {
  assert.is(await content(), SEED)
  const before = await fingerprint()
  const res = run('--check', '--json')
  assert.is(res.code, 0, res.out + res.err)
  assert.is(recapOf(res.out).hosts.h1.changed, 2, res.out)
  assert.is(await fingerprint(), before)
})

it('--diff changes the file in place, prints the diff and keeps a backup of the original', async () => {
  const res = run('--diff')
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, `--- ${CONF} (before)`)
  assert.match(res.out, `+++ ${CONF} (after)`)
  assert.match(res.out, '-#PermitRootLogin yes\n+PermitRootLogin prohibit-password')
  assert.match(res.out, '-UseDNS yes')
  assert.is(await content(), '# kvmplay example\nPermitRootLogin prohibit-password\nPort 22\n')
  assert.is(await onHost(h1, `stat -c '%a %U:%G' ${CONF}`), '644 root:root\n')
  // Both tasks wrote the file (likely within one second): the backup is of the file as it was before the run,
  // in kvmplay's own tree, none beside the file.
  const backups = (await onHost(h1, `ls ${BACKUPS}.*~`)).trim().split('\n')
  assert.is((await onHost(h1, `ls -a /etc | grep -c '^kvmplay-example.*~$' || true`)).trim(), '0')
  assert.ok(backups.length >= 1, 'a backup')
  assert.is(await onHost(h1, `cat ${backups[0]}`), SEED)
  assert.is((await onHost(h1, "find /etc -maxdepth 1 -name '.kvmplay.*' | wc -l")).trim(), '0', 'no temp file left')
})

it('a second run changes nothing: changed=0, and the file on the host is untouched', async () => {
  const before = await fingerprint()
  const res = run('--json')
  assert.is(res.code, 0, res.out + res.err)
  const { h1: recap } = recapOf(res.out).hosts
  assert.is(recap.changed, 0, JSON.stringify(recap))
  assert.is(recap.ok, 2, JSON.stringify(recap))
  assert.is(await fingerprint(), before)
  assert.is(await content(), '# kvmplay example\nPermitRootLogin prohibit-password\nPort 22\n')
})

ct.run()
