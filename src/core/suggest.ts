/**
 * "Did you mean": the known name closest to a misspelt one, as TypeScript
 * suggests for a property — so a playbook's `bridg` or `mdoe` is answered
 * with `bridge` or `mode` instead of being ignored.
 */

/** Case, `_` and `-` do not count: `only_if` and `onlyif` both mean `onlyIf`. */
const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '')

/** Edits between two strings, a swap of neighbours counting as one (optimal string alignment): `mdoe` is one from `mode`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The candidate nearest to `name`, if one is near enough to be what was meant (about one edit in three characters). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length * 0.4))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const c of candidates) {
    const dist = editDistance(fold(name), fold(c))
    if (dist < bestDistance) [best, bestDistance] = [c, dist]
  }
  return best
}
