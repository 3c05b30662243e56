/**
 * Output of a fact script that prints several reads one after another, each
 * after a `#name` line of its own: the lines of each, by name (blank lines
 * dropped). A section the script never reached is absent from the map.
 */
export function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of text.split('\n')) {
    const m = /^#([a-z-]+)$/.exec(line)
    if (m) out.set(m[1], (current = []))
    else if (current && line.trim() !== '') current.push(line)
  }
  return out
}
