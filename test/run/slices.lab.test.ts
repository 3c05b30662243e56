/**
 * A run split across workers: `--slice I/N` on each, then `kvmplay recap
 * merge` of their --json outputs. On the lab: the slices together change every
 * host exactly once (read on the hosts), with or without --limit; an empty
 * slice is a run of no host; the merged recap has every host and the exit code
 * one run would have had.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { sliceOf } from '../../src/inventory/slice.ts'
import { labSkipReason, labTest, onHost, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'

const sl = suite('slices across workers')
const it = labTest(sl)
const CUSTOM = fileURLToPath(new URL('../../playbooks/custom-task.play.ts', import.meta.url))
const CONF = '/etc/kvmplay-example.conf'
const dir = mkdtempSync(join(tmpdir(), 'kvmplay-slices-'))
let hosts: HostPlan[] = []
let inventory = ''

const reset = () => Promise.all(hosts.map((h) => onHost(h, `printf 'UseDNS yes\\n' > ${CONF}`)))
/** Runs slice `s` of `of`, its --json output kept in a file: the file and its recap. */
function slice(s: number, of: number, extra: string[] = []) {
  const res = kvmplay(['run', CUSTOM, '-i', inventory, '--json', '--slice', `${s}/${of}`, ...extra])
  const file = join(dir, `slice-${s}-of-${of}${extra.length ? '-limited' : ''}.json`)
  writeFileSync(file, res.out)
  return { res, file, recap: recapOf(res.out) }
}

if (!labSkipReason) {
  sl.before(async () => {
    const lab = await useLab(4)
    hosts = lab.hosts
    inventory = lab.inventory
  })
  sl.after(() => rmSync(dir, { recursive: true, force: true }))
}

it('three workers change every host once between them; recap merge gives one recap of all four, exit 0', async () => {
  await reset()
  const runs = [1, 2, 3].map((s) => slice(s, 3))
  const changedBy = hosts.map((h) => runs.filter((r) => (r.recap.hosts[h.name]?.changed ?? 0) > 0).length)
  assert.equal(changedBy, [1, 1, 1, 1], 'each host in exactly one slice')
  for (const h of hosts) assert.is(await onHost(h, `cat ${CONF}`), 'PermitRootLogin prohibit-password\n', h.name)
  const merged = kvmplay(['recap', 'merge', ...runs.map((r) => r.file), '--json'])
  assert.is(merged.code, 0, merged.out + merged.err)
  const recap = JSON.parse(merged.out.trim())
  assert.equal(Object.keys(recap.hosts), ['h1', 'h2', 'h3', 'h4'])
  assert.equal(Object.values(recap.hosts).map((r) => (r as { changed: number }).changed), [2, 2, 2, 2], 'both lines of each host')
  const human = kvmplay(['recap', 'merge', ...runs.map((r) => r.file)])
  assert.match(human.out, /^RECAP$/m)
  assert.match(human.out, /^h4 +ok=\d+ +changed=2/m)
})

it('with --limit the slices cover the limited hosts once; the same host keeps its worker', async () => {
  await reset()
  const runs = [1, 2].map((s) => slice(s, 2, ['--limit', 'h1:h2:h3']))
  const covered = runs.flatMap((r) => Object.keys(r.recap.hosts)).sort()
  assert.equal(covered, ['h1', 'h2', 'h3'])
  for (const h of ['h1', 'h2', 'h3']) assert.ok(h in runs[sliceOf(h, 2) - 1].recap.hosts, `${h} in slice ${sliceOf(h, 2)}`)
  assert.is(await onHost(hosts[3], `cat ${CONF}`), 'UseDNS yes\n', 'h4 was limited out')
})

it('a slice with no host runs nothing and says so; merging it changes nothing; a slice that died is named', async () => {
  const empty = Array.from({ length: 16 }, (_, i) => i + 1).find((s) => hosts.every((h) => sliceOf(h.name, 16) !== s))!
  const run = slice(empty, 16)
  assert.is(run.res.code, 0, run.res.out + run.res.err)
  assert.equal(run.recap.hosts, {})
  const full = slice(1, 1)
  const merged = kvmplay(['recap', 'merge', full.file, run.file, '--json'])
  assert.is(merged.code, 0, merged.err)
  assert.equal(Object.keys(JSON.parse(merged.out).hosts), ['h1', 'h2', 'h3', 'h4'])
  const died = join(dir, 'died.json')
  writeFileSync(died, '{"type":"play","play":"a task of your own","hosts":["h1"],"check":false}\n')
  const bad = kvmplay(['recap', 'merge', full.file, died])
  assert.is(bad.code, 4)
  assert.match(bad.err, `${died}: no recap at its end`)
})

sl.run()
