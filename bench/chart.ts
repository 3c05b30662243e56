/** A small SVG line chart of wall time against host count, no dependencies. */
interface Point {
  n: number
  tool: string
  first?: { wall: number }
  noop?: { wall: number }
}

const COLORS: Record<string, string> = { 'kvmplay first': '#1f77b4', 'kvmplay no-op': '#6baed6', 'ansible first': '#d62728', 'ansible no-op': '#ff9896', 'floor no-op': '#2ca02c', 'mitogen first': '#9467bd', 'mitogen no-op': '#c5b0d5', 'floor-first first': '#8c564b', 'floor first': '#8c564b' }

export function chartSvg(rows: Point[], title = 'Wall time of the NAT-to-bridge migration against host count (lab, 2 cores)'): string {
  const series = new Map<string, [number, number][]>()
  for (const r of rows) {
    if (r.first) (series.get(`${r.tool} first`) ?? series.set(`${r.tool} first`, []).get(`${r.tool} first`)!).push([r.n, r.first.wall])
    if (r.noop) (series.get(`${r.tool} no-op`) ?? series.set(`${r.tool} no-op`, []).get(`${r.tool} no-op`)!).push([r.n, r.noop.wall])
  }
  const W = 640, H = 400, L = 60, R = 170, T = 30, B = 50
  const maxN = Math.max(...rows.map((r) => r.n))
  // A round step (1, 2 or 5 × 10^k) for about five grid lines, the top one above the data.
  const top = Math.max(...[...series.values()].flat().map(([, y]) => y)) * 1.05
  const step = [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(top / 5))).find((st) => top / st <= 5) ?? 10 ** Math.ceil(Math.log10(top / 5))
  const maxY = Math.ceil(top / step) * step
  const x = (n: number) => L + (n / maxN) * (W - L - R)
  const y = (v: number) => H - B - (v / maxY) * (H - T - B)
  const ticks = Array.from({ length: Math.round(maxY / step) + 1 }, (_, i) => step * i)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="18" font-size="14">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    ...ticks.map((t) => `<text x="${L - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(0)}</text><line x1="${L}" y1="${y(t)}" x2="${W - R}" y2="${y(t)}" stroke="#eee"/>`),
    ...[...new Set(rows.map((r) => r.n))].map((n) => `<text x="${x(n)}" y="${H - B + 16}" text-anchor="middle">${n}</text>`),
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">hosts</text>`,
    `<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">seconds</text>`,
  ]
  let legend = T
  for (const [name, pts] of series) {
    const c = COLORS[name] ?? '#555'
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([n, v]) => `${x(n)},${y(v)}`).join(' ')}"/>`)
    parts.push(...pts.map(([n, v]) => `<circle cx="${x(n)}" cy="${y(v)}" r="3" fill="${c}"/>`))
    parts.push(`<rect x="${W - R + 15}" y="${legend}" width="12" height="12" fill="${c}"/><text x="${W - R + 32}" y="${legend + 10}">${name}</text>`)
    legend += 20
  }
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
