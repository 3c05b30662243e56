/**
 * The benchmark's bar chart of one size, from canned rows: one bar per tool and phase, a dot per
 * round, and labels with the medians' ratios and each round's own — peers as multiples of
 * kvmplay's time, kvmplay as a multiple of the floors'.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { toolsChartSvg } from '../../bench/tools-chart.ts'
import type { ToolRow } from '../../bench/tools-chart.ts'
import { migrateCharts } from '../../bench/migrate-charts.ts'

const s = suite('bench tools chart')
const w = (wall: number) => ({ wall })
const ROWS: ToolRow[] = [1, 2, 3].flatMap((round) => [
  { n: 20, tool: 'kvmplay', round, first: w(round + 2), noop: w(1) },
  { n: 20, tool: 'mitogen', round, first: w(30), noop: w(20 * round) },
  { n: 20, tool: 'floor-first', round, first: w(4) },
  { n: 20, tool: 'floor', round, noop: w(4) },
])
const text = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])

s('a bar per tool and phase, a dot per round, the ratios of the medians and of each round', () => {
  const svg = toolsChartSvg(ROWS, 20, 'title')
  assert.is(svg.match(/<rect [^>]*fill-opacity/g)?.length, 6) // kvmplay, Mitogen, floor; kvmplay, Mitogen, read floor
  assert.is(svg.match(/<circle /g)?.length, 18)
  const labels = text(svg)
  // kvmplay's first runs 3, 4, 5 s (median 4): Mitogen's 30 s is 7.5× that, per round 10, 7.5, 6.
  assert.ok(labels.includes('30.00 s · 7.5× kvmplay (rounds 10.0, 7.5, 6.0)'), labels.join('\n'))
  assert.ok(labels.includes('4.00 s · kvmplay 1.00× this (rounds 0.75, 1.00, 1.25)'), labels.join('\n'))
  assert.ok(labels.includes('4.00 s · kvmplay 0.25× this (rounds 0.25, 0.25, 0.25)'), labels.join('\n'))
  assert.ok(labels.includes('40.00 s · 40.0× kvmplay (rounds 20.0, 40.0, 60.0)'), labels.join('\n'))
  assert.ok(labels.includes('bar: median of 3 rounds; dots: each round'))
  assert.not.ok(labels.includes('Ansible'), 'a tool that did not run has no bar')
})

s('one round: no per-round ratios; another size or no rows is refused', () => {
  const one = ROWS.filter((r) => r.round === 1)
  assert.ok(text(toolsChartSvg(one, 20, 't')).includes('30.00 s · 10.0× kvmplay'))
  assert.throws(() => toolsChartSvg(ROWS, 100, 't'), /no rows at N=100/)
})

s('a chart per size, and the sweep chart with several; names carry a non-default profile and access', () => {
  const files = (rows: ToolRow[], profile = 'none', access = 'root') => migrateCharts({ profile, access, rows, summary: rows }).map((c) => c.file)
  assert.equal(files(ROWS), ['bench/results/tools-at-20.svg'])
  assert.equal(files([...ROWS, { ...ROWS[0], n: 5 }], 'networkmanager', 'sudo-jump'), [
    'bench/results/tools-at-20-networkmanager-sudo-jump.svg',
    'bench/results/tools-at-5-networkmanager-sudo-jump.svg',
    'bench/results/time-vs-hosts-networkmanager-sudo-jump.svg',
  ])
})

s.run()
