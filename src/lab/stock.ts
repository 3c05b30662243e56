/**
 * Files a lab host carries exactly as a Debian package ships them, from a
 * package that cannot be installed on the machine itself.
 *
 * libvirt-daemon-system holds libvirtd's configuration, its polkit policy and
 * rule, and its units. The machine has libvirt-daemon (the daemon) but not
 * it: installing it would pull in a newer systemd for the machine itself. So
 * the lab fetches that package at the version of the machine's
 * libvirt-daemon with apt's own client (`apt-get download`, from the
 * machine's configured archive), unpacks it with `dpkg-deb -x`, and the base
 * layer (base.ts) takes the few files a host needs from it, unchanged.
 *
 * The cache is /var/cache/kvmplay-lab, not the lab's directory: `lab down`
 * removes that, and every lab test suite starts with one, so a cache there
 * would fetch the package again for every suite. /var/cache is where the FHS
 * puts data a program can fetch again; one copy serves every lab on the
 * machine. (Hosts overlay the machine's /var: the base layer hides this
 * directory from them.) ifupdown2, which conflicts with the machine's
 * ifupdown, is fetched and unpacked the same way (unpackedDeb, ifupdown2.ts).
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from './sh.ts'

export const STOCK_CACHE = '/var/cache/kvmplay-lab'

/** The package whose files lab hosts carry as shipped, and the installed package whose version it must match. */
export const STOCK_PACKAGE = 'libvirt-daemon-system'
const VERSION_OF = 'libvirt-daemon'

/** The installed version of a package ('' when it is not installed). */
async function installedVersion(pkg: string): Promise<string> {
  const out = await $({ nothrow: true })`dpkg-query -W -f=${'${Version}'} ${pkg}`
  return out.exitCode === 0 ? out.stdout.trim() : ''
}

/** Where the unpacked package is (or will be), by version: a version change of the machine's libvirt fetches anew. */
export const stockTree = (version: string, cache = STOCK_CACHE) => stockTreeOf(STOCK_PACKAGE, version, cache)
const stockTreeOf = (pkg: string, version: string, cache: string) => join(cache, `${pkg}_${version.replace(/:/g, '%3a')}`)

/** The version apt would install of a package ('' when the archive has none: apt-get update first). */
export async function candidateVersion(pkg: string): Promise<string> {
  const out = await $({ nothrow: true })`apt-cache policy ${pkg}`
  const v = /^\s*Candidate:\s*(\S+)/m.exec(out.stdout)?.[1] ?? ''
  return v === '(none)' ? '' : v
}

/** apt fetches as its sandbox user `_apt`, which must be able to write where it downloads (else it warns and fetches as root). */
function aptCanWrite(dir: string): void {
  const uid = /^_apt:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1]
  if (uid && process.getuid?.() === 0) chownSync(dir, Number(uid), 0)
}

/**
 * The unpacked libvirt-daemon-system matching the machine's libvirt-daemon:
 * fetched and unpacked once, then taken from the cache. Throws an error
 * naming the package and version when it cannot be fetched.
 */
export async function stockLibvirtTree(cache = STOCK_CACHE, version?: string): Promise<string> {
  version ??= await installedVersion(VERSION_OF)
  if (!version) throw new Error(`the lab needs ${VERSION_OF} installed (its version decides which ${STOCK_PACKAGE} the hosts' files come from)`)
  return unpackedDeb(STOCK_PACKAGE, version, 'etc/libvirt/libvirtd.conf', {
    cache,
    why: 'lab hosts carry its libvirtd.conf and polkit policy as Debian ships them; it is not installed on the machine',
    otherwise: `check that Debian's archive still has ${VERSION_OF} ${version}`,
  })
}


/**
 * A Debian package, fetched with apt's own client (`apt-get download`, from
 * the machine's configured archive) and unpacked with `dpkg-deb -x` into the
 * cache, once per version: `marker` (a path inside it) says it is complete.
 * `after` may add to the tree before it goes into place. Throws an error
 * naming the package, why the lab wants it and what to do.
 */
export async function unpackedDeb(pkg: string, version: string, marker: string, opts: { cache?: string; why: string; otherwise: string; after?: (tree: string, deb: string) => Promise<void> }): Promise<string> {
  const cache = opts.cache ?? STOCK_CACHE
  const tree = stockTreeOf(pkg, version, cache)
  if (existsSync(join(tree, marker))) return tree
  mkdirSync(cache, { recursive: true, mode: 0o755 })
  // Fetched and unpacked in a directory of its own, renamed into place when
  // complete: two labs coming up at once each fetch, and one rename wins.
  const work = mkdtempSync(join(cache, '.fetch-'))
  try {
    aptCanWrite(work)
    const spec = `${pkg}=${version}`
    const got = await $({ nothrow: true, cwd: work })`apt-get download -q ${spec}`
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'))
    if (got.exitCode !== 0 || !deb) {
      const why = (got.stderr || got.stdout).trim().split('\n').slice(-3).join('\n  ')
      throw new Error(
        `cannot fetch ${spec} (${opts.why}): apt-get download said:\n  ${why}\n` +
          `Run \`apt-get update\` (scripts/bootstrap.sh does, and fetches it into ${cache}), or ${opts.otherwise}.`,
      )
    }
    await $`dpkg-deb -x ${join(work, deb)} ${join(work, 'tree')}`
    await opts.after?.(join(work, 'tree'), join(work, deb))
    try {
      renameSync(join(work, 'tree'), tree)
    } catch (err) {
      if (!existsSync(join(tree, marker))) throw err
    }
    return tree
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
