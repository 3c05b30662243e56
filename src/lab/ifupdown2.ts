/**
 * ifupdown2 in a lab host, installed as on Proxmox VE: in place of ifupdown.
 *
 * As Debian packages the two conflict (ifupdown2 Conflicts, Replaces and
 * Provides ifupdown), and the other ifupdown profiles run the machine's
 * ifupdown from the shared /usr. So ifupdown2 is not installed on the
 * machine: the lab fetches Debian's package once with `apt-get download` into
 * the cache of stock packages (/var/cache/kvmplay-lab, stock.ts), unpacks it
 * with `dpkg-deb -x` and byte-compiles it as its postinst does (py3compile),
 * and each host of an ifupdown2 profile gets it in its own overlay layer, as
 * dpkg would leave a host after `apt-get install ifupdown2`:
 *
 * - ifupdown2's files at their paths (/sbin and /lib are /usr/sbin and
 *   /usr/lib on a merged-/usr Debian): ifup, ifdown, ifquery and ifreload are
 *   its links to /usr/share/ifupdown2/ifupdown2; its networking.service; its
 *   conffiles /etc/default/networking and /etc/network/ifupdown2/*.conf;
 * - ifupdown's files gone (overlay whiteouts), but for its conffiles, which a
 *   removal (not a purge) leaves, as dpkg does;
 * - dpkg's database saying so: ifupdown2 installed, ifupdown in state
 *   config-files (`dpkg -l`, `dpkg -s ifupdown2`, `dpkg -L ifupdown2`).
 *
 * It runs on the machine's Python 3 and iproute2 (its Depends, both on the
 * machine); bridge-utils (its Suggests) stays, as on Proxmox, where pve-manager
 * has it. Hosts of other profiles see none of this.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { $ } from './sh.ts'
import { STOCK_CACHE, candidateVersion, unpackedDeb } from './stock.ts'

export const IFUPDOWN2 = 'ifupdown2'

let fetched: Promise<string> | undefined

/** The unpacked ifupdown2 (the archive's candidate version), its control files in DEBIAN/, as its postinst leaves it; once per process. */
export function ifupdown2Tree(cache = STOCK_CACHE): Promise<string> {
  if (cache === STOCK_CACHE) return (fetched ??= fetchIfupdown2(cache).catch((e) => ((fetched = undefined), Promise.reject(e))))
  return fetchIfupdown2(cache)
}

async function fetchIfupdown2(cache: string): Promise<string> {
  const version = await candidateVersion(IFUPDOWN2)
  if (!version) throw new Error(`the lab's ifupdown2 profiles need Debian's ${IFUPDOWN2} package, which apt does not know: run \`apt-get update\` (scripts/bootstrap.sh does)`)
  return unpackedDeb(IFUPDOWN2, version, 'DEBIAN/control', {
    cache,
    why: 'hosts of the ifupdown2 and proxmox profiles run it; it conflicts with the machine\'s ifupdown, so it is installed into those hosts only',
    otherwise: `check that Debian's archive has ${IFUPDOWN2} ${version}`,
    after: async (tree, deb) => {
      // What its postinst does to the files: the entry point executable, the modules byte-compiled (py3compile).
      chmodSync(join(tree, 'usr/share/ifupdown2/__main__.py'), 0o755)
      await $`python3 -m compileall -q ${join(tree, 'usr/share/ifupdown2')}`
      // Last: the marker that the tree is complete.
      await $`dpkg-deb -e ${deb} ${join(tree, 'DEBIAN')}`
    },
  })
}

/** A package path as it lands on this machine's filesystem: /sbin, /bin and /lib are links into /usr on a merged-/usr Debian. */
function onDisk(path: string): string {
  for (const top of ['sbin', 'bin', 'lib']) {
    if (path === `/${top}` || path.startsWith(`/${top}/`)) {
      try {
        if (lstatSync(`/${top}`).isSymbolicLink()) return `/usr${path}`
      } catch {
        // no such top directory: as it is
      }
    }
  }
  return path
}

/** Every path the package holds (files, links and directories), as dpkg lists them. */
function packagePaths(tree: string, dir = ''): string[] {
  const out: string[] = []
  for (const e of readdirSync(join(tree, dir), { withFileTypes: true })) {
    if (dir === '' && e.name === 'DEBIAN') continue
    const rel = `${dir}/${e.name}`
    out.push(rel)
    if (e.isDirectory()) out.push(...packagePaths(tree, rel))
  }
  return out
}

const paragraphs = (text: string) => text.split(/\n\n+/).map((p) => p.replace(/^\n+|\n+$/g, '')).filter((p) => p.trim())
const field = (para: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(para)?.[1]

/**
 * dpkg's status as it is after `apt-get install ifupdown2` on this machine:
 * ifupdown removed (its conffiles kept: state config-files), ifupdown2
 * installed with its control fields and conffiles.
 */
export function statusWithIfupdown2(status: string, control: string, conffiles: { path: string; md5: string }[]): string {
  const paras = paragraphs(status).filter((p) => field(p, 'Package') !== IFUPDOWN2)
  const out = paras.map((p) => (field(p, 'Package') === 'ifupdown' ? p.replace(/^Status: .*$/m, 'Status: deinstall ok config-files') : p))
  const lines = control.trim().split('\n')
  const withStatus = [lines[0], 'Status: install ok installed', ...lines.slice(1).filter((l) => !l.startsWith('Description:') && !l.startsWith(' '))]
  if (conffiles.length) withStatus.push('Conffiles:', ...conffiles.map((c) => ` ${c.path} ${c.md5}`))
  withStatus.push(...lines.slice(lines.findIndex((l) => l.startsWith('Description:'))).filter((l, i) => i === 0 || l.startsWith(' ')))
  out.push(withStatus.join('\n'))
  return out.join('\n\n') + '\n'
}

/** Installs ifupdown2 in a host's own layer (`upper`: the host's upper dirs, one per overlaid top directory). */
export async function installIfupdown2(upper: string, tree: string): Promise<void> {
  const paths = packagePaths(tree)
  for (const top of readdirSync(tree)) {
    if (top === 'DEBIAN') continue
    cpSync(join(tree, top), join(upper, onDisk(`/${top}`)), { recursive: true, force: true, verbatimSymlinks: true })
  }
  const provided = new Set(paths.map(onDisk))

  // ifupdown's own files go, but for its conffiles (a removal keeps them).
  const conffilesOf = (pkg: string) =>
    existsSync(`/var/lib/dpkg/info/${pkg}.conffiles`) ? readFileSync(`/var/lib/dpkg/info/${pkg}.conffiles`, 'utf8').split('\n').filter(Boolean) : []
  const kept = new Set(conffilesOf('ifupdown'))
  const list = existsSync('/var/lib/dpkg/info/ifupdown.list') ? readFileSync('/var/lib/dpkg/info/ifupdown.list', 'utf8').split('\n').filter(Boolean) : []
  const gone = list
    .filter((p) => !kept.has(p) && !provided.has(onDisk(p)))
    .map(onDisk)
    .filter((p) => {
      try {
        return !lstatSync(p).isDirectory()
      } catch {
        return false
      }
    })
  gone.push('/var/lib/dpkg/info/ifupdown.list', '/var/lib/dpkg/info/ifupdown.md5sums')
  const whiteouts = gone.map((p) => join(upper, p)).filter((p) => !existsSync(p))
  for (const w of whiteouts) mkdirSync(dirname(w), { recursive: true })
  if (whiteouts.length) await $({ input: whiteouts.join('\n') + '\n' })`xargs -d ${'\n'} -n 1 sh -c ${'mknod "$0" c 0 0'}`

  // dpkg's database.
  const control = readFileSync(join(tree, 'DEBIAN/control'), 'utf8')
  const conffiles = existsSync(join(tree, 'DEBIAN/conffiles'))
    ? readFileSync(join(tree, 'DEBIAN/conffiles'), 'utf8').split('\n').filter(Boolean)
    : []
  const md5 = async (p: string) => (await $`md5sum ${join(tree, p)}`).stdout.split(' ')[0]
  const withMd5 = await Promise.all(conffiles.map(async (path) => ({ path, md5: await md5(path) })))
  const dpkg = join(upper, 'var/lib/dpkg')
  mkdirSync(join(dpkg, 'info'), { recursive: true })
  writeFileSync(join(dpkg, 'status'), statusWithIfupdown2(readFileSync('/var/lib/dpkg/status', 'utf8'), control, withMd5))
  writeFileSync(join(dpkg, 'info/ifupdown2.list'), ['/.', ...paths].join('\n') + '\n')
  if (conffiles.length) writeFileSync(join(dpkg, 'info/ifupdown2.conffiles'), conffiles.join('\n') + '\n')
}
