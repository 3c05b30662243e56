/**
 * The slice examples people copy (scripts/slices/): each parses as strict YAML
 * and has the shape its system requires (a Kubernetes batch/v1 Indexed Job; a
 * GitHub Actions matrix) — checked field by field here, since no schema
 * validator for either is packaged for Debian or reachable offline — and the
 * kvmplay commands in them slice the hosts into as many shares as there are
 * workers and merge what the workers wrote.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const load = (f: string) => parse(readFileSync(new URL(`../../scripts/slices/${f}`, import.meta.url), 'utf8'), { strict: true, uniqueKeys: true })

test('the Kubernetes Indexed Job: completions = parallelism = the N of --slice, I from JOB_COMPLETION_INDEX + 1, one output per slice', () => {
  const job = load('kubernetes-indexed-job.yaml')
  assert.is(job.apiVersion, 'batch/v1')
  assert.is(job.kind, 'Job')
  assert.type(job.metadata.name, 'string')
  assert.is(job.spec.completionMode, 'Indexed')
  assert.is(job.spec.parallelism, job.spec.completions)
  assert.is(job.spec.template.spec.restartPolicy, 'Never')
  const [c] = job.spec.template.spec.containers
  assert.type(c.image, 'string')
  const script = c.args.join(' ')
  const n = Number(/--slice "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/(\d+)"/.exec(script)?.[1])
  assert.is(n, job.spec.completions, script)
  // The shell the container runs expands it as meant: the first pod is slice 1/4, writing slice-1.json.
  const echoed = `echo ${script.replace(/^kvmplay /, '').replace(' > ', ' writes ')}`
  const expanded = execFileSync(c.command[0], [c.command[1], echoed], { env: { JOB_COMPLETION_INDEX: '0' }, encoding: 'utf8' })
  assert.match(expanded, `--slice 1/${n} --json writes /out/slice-1.json`)
  const mounts = new Set(job.spec.template.spec.volumes.map((v: { name: string }) => v.name))
  for (const m of c.volumeMounts) assert.ok(mounts.has(m.name), `volume ${m.name} is declared`)
})

test('the GitHub Actions matrix: slices 1…N with --slice S/N, then a job after all of them that merges their outputs', () => {
  const wf = load('github-actions-matrix.yml')
  const slices: number[] = wf.jobs.slice.strategy.matrix.slice
  assert.equal(slices, Array.from({ length: slices.length }, (_, i) => i + 1))
  assert.is(wf.jobs.slice.strategy['fail-fast'], false)
  const run = wf.jobs.slice.steps.map((s: { run?: string }) => s.run ?? '').find((r: string) => r.includes('kvmplay run'))
  assert.match(run, `--slice \${{ matrix.slice }}/${slices.length} --json > slice-\${{ matrix.slice }}.json`)
  assert.is(wf.jobs.recap.needs, 'slice')
  assert.is(wf.jobs.recap.if, 'always()')
  assert.ok(wf.jobs.recap.steps.some((s: { run?: string }) => s.run === 'npx kvmplay recap merge slice-*.json'))
})

test.run()
