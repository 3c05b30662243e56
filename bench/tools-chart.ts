/**
 * A small SVG bar chart of one size of a migrate benchmark: every tool's first run and no-op
 * re-run side by side, the bar the median, a dot each round, and the label the ratio to kvmplay.
 * Linear seconds on purpose: a log axis would make 1 s and 35 s look like neighbours.
 */
import { median } from './measure.ts'

interface Wall {
  wall: number
}
export interface ToolRow {
  n: number
  tool: string
  round?: number
  first?: Wall
  noop?: Wall
}

const NAMES: Record<string, string> = { kvmplay: 'kvmplay', ansible: 'Ansible', mitogen: 'Ansible + Mitogen', 'floor-first': 'floor (by hand)', floor: 'read floor (by hand)' }
const COLORS: Record<string, string> = { kvmplay: '#1f77b4', ansible: '#d62728', mitogen: '#9467bd', 'floor-first': '#8c564b', floor: '#2ca02c' }
/** Which tools stand in each phase, in this order; the floors each have one phase. */
const PHASES: { phase: 'first' | 'noop'; title: string; tools: string[] }[] = [
  { phase: 'first', title: 'first run (the migration)', tools: ['kvmplay', 'ansible', 'mitogen', 'floor-first'] },
  { phase: 'noop', title: 'no-op re-run', tools: ['kvmplay', 'ansible', 'mitogen', 'floor'] },
]

/**
 * The label of one bar, from the medians and then each round's own pair (a round's runs were
 * minutes apart, not the whole benchmark). A peer's ratio says how many times kvmplay's time it
 * took; a floor's says kvmplay's time as a multiple of the floor — the way the targets are written.
 */
function ratioLabel(tool: string, med: number, kvMedian: number | undefined, pairs: [number, number][]): string {
  const s = `${med.toFixed(2)} s`
  if (kvMedian === undefined || tool === 'kvmplay') return s
  const floor = tool.startsWith('floor')
  const ratio = (kv: number, other: number) => (floor ? kv / other : other / kv)
  const each = pairs.length > 1 ? ` (rounds ${pairs.map(([kv, o]) => ratio(kv, o).toFixed(floor ? 2 : 1)).join(', ')})` : ''
  return floor ? `${s} · kvmplay ${ratio(kvMedian, med).toFixed(2)}× this${each}` : `${s} · ${ratio(kvMedian, med).toFixed(1)}× kvmplay${each}`
}

/** The chart of size `n` from the benchmark's rows (every round's, not the medians). */
export function toolsChartSvg(rows: ToolRow[], n: number, title: string): string {
  const bars = PHASES.flatMap(({ phase, title: group, tools }) => {
    const of = (tool: string) => rows.filter((r) => r.n === n && r.tool === tool && r[phase])
    const walls = (tool: string) => of(tool).map((r) => r[phase]!.wall)
    const kv = walls('kvmplay')
    const kvMedian = kv.length ? median(kv) : undefined
    // kvmplay's and this tool's time in each round both ran in.
    const pairs = (tool: string): [number, number][] =>
      of(tool).flatMap((r) => {
        const k = of('kvmplay').find((q) => q.round === r.round)
        return k && r.round !== undefined ? [[k[phase]!.wall, r[phase]!.wall] as [number, number]] : []
      })
    return tools
      .filter((t) => walls(t).length)
      .map((tool, i) => ({ group: i === 0 ? group : undefined, tool, rounds: walls(tool), label: ratioLabel(tool, median(walls(tool)), kvMedian, pairs(tool)), med: median(walls(tool)) }))
  })
  if (!bars.length) throw new Error(`no rows at N=${n} to chart`)
  const rounds = Math.max(...bars.map((b) => b.rounds.length))
  const W = 900, L = 150, R = 380, T = 40, ROW = 26, GAP = 22, B = 50
  const groups = bars.filter((b) => b.group).length
  const H = T + bars.length * ROW + groups * GAP + B
  const top = Math.max(...bars.flatMap((b) => b.rounds)) * 1.05
  const step = [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(top / 5))).find((st) => top / st <= 5) ?? 10 ** Math.ceil(Math.log10(top / 5))
  const maxX = Math.ceil(top / step) * step
  const x = (v: number) => L + (v / maxX) * (W - L - R)
  const ticks = Array.from({ length: Math.round(maxX / step) + 1 }, (_, i) => step * i)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="18" font-size="14">${title}</text>`,
    `<text x="10" y="34" fill="#555">bar: median of ${rounds} round${rounds === 1 ? '' : 's'}; dots: each round</text>`,
    ...ticks.map((t) => `<line x1="${x(t)}" y1="${T}" x2="${x(t)}" y2="${H - B}" stroke="#eee"/><text x="${x(t)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`),
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 14}" text-anchor="middle">seconds of wall time, ${n} hosts</text>`,
  ]
  let y = T
  for (const b of bars) {
    if (b.group) {
      y += GAP
      parts.push(`<text x="10" y="${y - 6}" font-weight="bold">${b.group}</text>`)
    }
    const c = COLORS[b.tool] ?? '#555'
    parts.push(`<text x="${L - 6}" y="${y + ROW / 2 + 4}" text-anchor="end">${NAMES[b.tool] ?? b.tool}</text>`)
    parts.push(`<rect x="${L}" y="${y + 4}" width="${Math.max(1, x(b.med) - L)}" height="${ROW - 8}" fill="${c}" fill-opacity="0.75"/>`)
    parts.push(...b.rounds.map((v) => `<circle cx="${x(v)}" cy="${y + ROW / 2}" r="3" fill="black"/>`))
    parts.push(`<text x="${x(Math.max(b.med, ...b.rounds)) + 8}" y="${y + ROW / 2 + 4}">${b.label}</text>`)
    y += ROW
  }
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
