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
 * directory from them.)
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
export const stockTree = (version: string, cache = STOCK_CACHE) => join(cache, `${STOCK_PACKAGE}_${version.replace(/:/g, '%3a')}`)

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
  const tree = stockTree(version, cache)
  if (existsSync(join(tree, 'etc/libvirt/libvirtd.conf'))) return tree
  mkdirSync(cache, { recursive: true, mode: 0o755 })
  // Fetched and unpacked in a directory of its own, renamed into place when
  // complete: two labs coming up at once each fetch, and one rename wins.
  const work = mkdtempSync(join(cache, '.fetch-'))
  try {
    aptCanWrite(work)
    const spec = `${STOCK_PACKAGE}=${version}`
    const got = await $({ nothrow: true, cwd: work })`apt-get download -q ${spec}`
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'))
    if (got.exitCode !== 0 || !deb) {
      const why = (got.stderr || got.stdout).trim().split('\n').slice(-3).join('\n  ')
      throw new Error(
        `cannot fetch ${spec} (lab hosts carry its libvirtd.conf and polkit policy as Debian ships them; it is not installed on the machine): ` +
          `apt-get download said:\n  ${why}\n` +
          `Run \`apt-get update\` (scripts/bootstrap.sh does, and fetches it into ${cache}), or check that Debian's archive still has ${VERSION_OF} ${version}.`,
      )
    }
    await $`dpkg-deb -x ${join(work, deb)} ${join(work, 'tree')}`
    try {
      renameSync(join(work, 'tree'), tree)
    } catch (err) {
      if (!existsSync(join(tree, 'etc/libvirt/libvirtd.conf'))) throw err
    }
    return tree
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
