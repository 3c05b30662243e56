/**
 * Host names as a person reads a list of them: consecutive numbered names
 * with the same stem folded into a range (`h1–h200`), others kept, in the
 * order given — `h1–h3, h5, db1`.
 */
export function hostRanges(names: readonly string[]): string {
  const parts: string[] = []
  let run: { stem: string; from: number; to: number; digits: string } | undefined
  const flush = () => {
    if (!run) return
    parts.push(run.from === run.to ? `${run.stem}${run.digits}` : `${run.stem}${run.from}–${run.stem}${run.to}`)
    run = undefined
  }
  for (const name of names) {
    const m = /^(.*?)(\d+)$/.exec(name)
    // A leading zero (h01) keeps its own spelling: folding it would print names that do not exist.
    if (!m || (m[2].length > 1 && m[2].startsWith('0'))) {
      flush()
      parts.push(name)
      continue
    }
    const [stem, digits] = [m[1], m[2]]
    const n = Number(digits)
    if (run && run.stem === stem && n === run.to + 1) run.to = n
    else {
      flush()
      run = { stem, from: n, to: n, digits }
    }
  }
  flush()
  return parts.join(', ')
}
