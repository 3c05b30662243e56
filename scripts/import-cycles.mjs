#!/usr/bin/env node
// Import cycles among the layers (src/<dir>, tasks) and among files, counting
// type imports too (a layer that names another's types knows it), unless --runtime.
// docs/architecture.md, "The layers": each layer knows only those below it.
// Usage: node scripts/import-cycles.mjs [--files] [--runtime] [--all: longer cycles of layers too]   (exit 1 when there is a cycle)
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = resolve(dirname(new URL(import.meta.url).pathname), '..')
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : /\.ts$/.test(n) ? [join(d, n)] : []))
const files = [...walk(join(root, 'src')), ...walk(join(root, 'tasks'))]
const IMPORT = process.argv.includes('--runtime')
  ? /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm
  : /^\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm
const layerOf = (f) => {
  const r = relative(root, f).split('/')
  // A file at src's top (cli.ts, render.ts) is a layer of its own.
  return r[0] === 'src' && r.length > 2 ? `src/${r[1]}` : r[0] === 'src' ? `src/${r[1]}` : r[0]
}
const edges = new Map()
for (const f of files) {
  const text = readFileSync(f, 'utf8')
  for (const m of text.matchAll(IMPORT)) {
    const to = resolve(dirname(f), m[1])
    if (!edges.has(f)) edges.set(f, new Set())
    edges.get(f).add(to)
  }
}
/** Strongly connected components of more than one node (Tarjan). */
function cycles(graph) {
  let i = 0
  const index = new Map(), low = new Map(), stack = [], on = new Set(), out = []
  const visit = (v) => {
    index.set(v, i); low.set(v, i++); stack.push(v); on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))) }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)))
    }
    if (low.get(v) === index.get(v)) {
      const c = []
      let w
      do { w = stack.pop(); on.delete(w); c.push(w) } while (w !== v)
      if (c.length > 1) out.push(c)
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return out
}
const layers = new Map()
const why = new Map()
for (const [f, tos] of edges) for (const t of tos) {
  const a = layerOf(f), b = layerOf(t)
  if (a === b) continue
  if (!layers.has(a)) layers.set(a, new Set())
  layers.get(a).add(b)
  const k = `${a} -> ${b}`
  if (!why.has(k)) why.set(k, [])
  why.get(k).push(`${relative(root, f)} -> ${relative(root, t)}`)
}
// Two layers that import each other: the plainest cycle, each named by the imports that make it.
const layerCycles = [...why.keys()].map((k) => k.split(' -> ')).filter(([a, b]) => a < b && why.has(`${b} -> ${a}`))
for (const [a, b] of layerCycles) {
  console.log(`layer cycle: ${a} <-> ${b}`)
  for (const k of [`${a} -> ${b}`, `${b} -> ${a}`]) console.log(`  ${k}: ${why.get(k).slice(0, 3).join('; ')}`)
}
if (process.argv.includes('--all')) for (const c of cycles(layers)) console.log(`layers in one cycle: ${c.join(', ')}`)
const fileCycles = process.argv.includes('--files') ? cycles(edges) : []
for (const c of fileCycles) console.log(`file cycle: ${c.map((f) => relative(root, f)).join(', ')}`)
if (!layerCycles.length && !fileCycles.length) console.log('no import cycles')
process.exit(layerCycles.length || fileCycles.length ? 1 : 0)
