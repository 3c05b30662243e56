/**
 * Which charts a migrate benchmark's results make, and under which names: one place for
 * bench/migrate.ts (at the end of a run) and bench/rechart.ts (from a saved results JSON).
 */
import { chartSvg } from './chart.ts'
import { toolsChartSvg } from './tools-chart.ts'
import type { ToolRow } from './tools-chart.ts'

export interface MigrateResult {
  profile: string
  access: string
  rows: ToolRow[]
  summary: ToolRow[]
}

/** The charts of one result, each as a path under the repository and its SVG. */
export function migrateCharts({ profile, access, rows, summary }: MigrateResult): { file: string; svg: string }[] {
  // The README shows the default profile's charts; another profile's or access's get their own files.
  const suffix = `${profile === 'none' ? '' : `-${profile}`}${access === 'root' ? '' : `-${access}`}`
  const sizes = [...new Set(rows.map((r) => r.n))]
  const charts = sizes.map((n) => ({
    file: `bench/results/tools-at-${n}${suffix}.svg`,
    svg: toolsChartSvg(rows, n, `The NAT-to-bridge migration at ${n} hosts: kvmplay, its peers and the floors (lab, 2 cores)`),
  }))
  if (sizes.length > 1) charts.push({ file: `bench/results/time-vs-hosts${suffix}.svg`, svg: chartSvg(summary) })
  return charts
}
