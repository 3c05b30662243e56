/**
 * ifupdown2's own parser on this machine, for unit tests: the lab's unpacked
 * ifupdown2 (src/lab/ifupdown2.ts keeps it in the stock cache; it is never
 * installed on the machine, where it would conflict with ifupdown) run as
 * `ifquery -i FILE`, its configuration read from the unpacked tree instead of
 * /etc. The tests that run it are skipped, saying why, where the lab has not
 * fetched it yet (`lab up --profile ifupdown2` or scripts/bootstrap.sh does).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STOCK_CACHE } from '../../src/lab/stock.ts'

/** The unpacked tree, if the stock cache holds a complete one. */
export function ifupdown2TreeHere(cache = STOCK_CACHE): string | undefined {
  if (!existsSync(cache)) return undefined
  const tree = readdirSync(cache)
    .filter((d) => d.startsWith('ifupdown2_'))
    .map((d) => join(cache, d))
    .find((d) => existsSync(join(d, 'DEBIAN/control')))
  return tree
}

/** Why ifupdown2's ifquery cannot run here, or undefined where it can. */
export const ifquery2Missing = ifupdown2TreeHere()
  ? undefined
  : `ifupdown2 is not unpacked in ${STOCK_CACHE} yet (lab up --profile ifupdown2 or scripts/bootstrap.sh fetches it)`

/** A wrapper named ifquery (ifupdown2 acts by its program's name) that points ifupdown2's configuration at the tree. */
const wrapper = (tree: string) => `import sys
T = ${JSON.stringify(tree)}
sys.path.insert(0, T + '/usr/share')
import ifupdown2.ifupdown.config as config
config.IFUPDOWN2_CONF_PATH = T + '/etc/network/ifupdown2/ifupdown2.conf'
config.ADDONS_CONF_PATH = T + '/etc/network/ifupdown2/addons.conf'
config.ADDON_MODULES_DIR = [T + '/usr/share/ifupdown2/addons']
sys.path.insert(0, T + '/usr/share/ifupdown2')
main = T + '/usr/share/ifupdown2/__main__.py'
exec(compile(open(main).read(), main, 'exec'), {'__name__': '__main__'})
`

/** `ifquery -i <content> …args` by ifupdown2 (its tree must be here: see ifquery2Missing). */
export function ifquery2(content: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const tree = ifupdown2TreeHere()
  if (!tree) throw new Error(ifquery2Missing)
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-ifquery2-'))
  try {
    writeFileSync(join(dir, 'ifquery'), wrapper(tree))
    writeFileSync(join(dir, 'interfaces'), content)
    const r = spawnSync('python3', [join(dir, 'ifquery'), '-i', join(dir, 'interfaces'), ...args], { encoding: 'utf8' })
    return { code: r.status, out: r.stdout, err: r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** ifupdown2's reading of the file, as JSON: every stanza (`-a`, or the named ones) with its options. */
export function ifquery2Json(content: string, ...ifaces: string[]): { name: string; addr_method: string; addr_family: string; auto: boolean; config: Record<string, string | string[]> }[] {
  const r = ifquery2(content, ...(ifaces.length ? ifaces : ['-a']), '-o', 'json')
  if (r.code !== 0) throw new Error(`ifupdown2's ifquery failed (exit ${r.code}): ${r.err}${r.out}`)
  return JSON.parse(r.out)
}
