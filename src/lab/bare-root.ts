/**
 * The root file system of the lab's bare hosts (profile bare-debian) and the
 * local package repository they install from, built once on the machine and
 * cached in /var/cache/kvmplay-lab (STOCK_CACHE: `lab down` keeps it).
 *
 * - The root: Debian 12 as mmdebstrap builds it from Debian's packages
 *   (variant minbase, plus BARE_PACKAGES): its own /usr, its own dpkg
 *   database, systemd as its init. No qemu and no libvirt: a bare host is a
 *   fresh install, the bootstrap playbook installs them. Its host keys and
 *   machine-id are removed, as each host gets its own (host.ts); its apt
 *   sources are the local repository only, so a host never reaches Debian's
 *   mirror (nor anything off the machine: it has no route there either).
 * - The repository: REPO_PACKAGES with every dependency the root lacks,
 *   downloaded by apt inside the root while mmdebstrap builds it (so the
 *   dependencies are resolved against the root's own dpkg database), indexed
 *   with dpkg-scanpackages. Hosts see it read-only at REPO_IN_HOST
 *   (bare-boot.sh bind-mounts it) as a `file:` source.
 *
 * The cache key is a hash of the suite, both package lists and BUILD_REVISION:
 * a changed list builds a new root beside the old one (hosts running on the
 * old one keep it; remove stale ones by hand). Built in a temporary directory
 * and renamed into place (cached-build.ts).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from './sh.ts'
import { ensureCachedDir, isBuilt } from './cached-build.ts'
import { STOCK_CACHE } from './stock.ts'

export const BARE_SUITE = 'bookworm'
/** Where the machine downloads from (the lab's hosts never do). */
export const BARE_MIRROR = 'http://deb.debian.org/debian'
/**
 * What a fresh Debian 12 server install has that matters here: systemd as
 * init (systemd-sysv), its system bus, sshd, iproute2, and ifupdown — what
 * Debian 12's installer configures the network with (it installs
 * NetworkManager only with a desktop), so a bare host is what a Debian
 * server admin starts from. bridge-utils is not there: the bootstrap adds it.
 */
export const BARE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2', 'ifupdown', 'iputils-ping'] as const
/** What the bootstrap playbook installs on a bare host: the local repository has them, with their dependencies. */
export const REPO_PACKAGES = ['qemu-system-x86', 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients', 'bridge-utils'] as const
/** Bumped when the build itself changes (hooks, sources), so old caches are not reused. */
const BUILD_REVISION = '1'
/** The repository inside a host (bind-mounted read-only). */
export const REPO_IN_HOST = '/srv/kvmplay-lab-repo'

export interface BareRoot {
  /** The root file system, every host's lowest layer (read-only to them). */
  root: string
  /** The local repository: the .deb files and their Packages index. */
  repo: string
}

export function bareCacheKey(packages: readonly string[] = BARE_PACKAGES, repo: readonly string[] = REPO_PACKAGES): string {
  const text = JSON.stringify({ suite: BARE_SUITE, packages: [...packages].sort(), repo: [...repo].sort(), rev: BUILD_REVISION })
  return createHash('sha256').update(text).digest('hex').slice(0, 12)
}

export const bareDir = (cache = STOCK_CACHE, key = bareCacheKey()) => join(cache, `bare-debian-12-${key}`)

const paths = (dir: string): BareRoot => ({ root: join(dir, 'root'), repo: join(dir, 'repo') })

let building: Promise<BareRoot> | undefined

/** The cached root and repository, built first when missing (about 30 s and 400 MB). Once per process. */
export function bareRoot(log: (line: string) => void = () => {}): Promise<BareRoot> {
  return (building ??= ensureBareRoot(STOCK_CACHE, log).catch((e) => ((building = undefined), Promise.reject(e))))
}

async function ensureBareRoot(cache: string, log: (line: string) => void): Promise<BareRoot> {
  const dir = bareDir(cache)
  if (!isBuilt(dir)) log(`bare-debian: building the root and local repository in ${dir} (once; mmdebstrap from ${BARE_MIRROR})`)
  const seconds = await ensureCachedDir(dir, async (tmp) => {
    mkdirSync(join(tmp, 'repo'), { recursive: true })
    const { root, repo } = paths(tmp)
    // Both hooks run in the finished root with the mirror still its source: apt
    // there resolves what the repository needs against the root's own packages.
    const download = `chroot "$1" apt-get install --download-only -y -q --no-install-recommends ${REPO_PACKAGES.join(' ')}`
    const sources = `printf 'deb [trusted=yes] file:${REPO_IN_HOST} ./\\n' >"$1/etc/apt/sources.list"`
    const scrub = 'rm -f "$1"/etc/ssh/ssh_host_* && : >"$1/etc/machine-id" && rm -rf "$1"/var/lib/apt/lists/*'
    const out = await $({ nothrow: true })`nice -n 10 mmdebstrap --quiet --variant=minbase --include=${BARE_PACKAGES.join(',')} --customize-hook=${download} --customize-hook=${`sync-out /var/cache/apt/archives ${repo}`} --customize-hook=${sources} --customize-hook=${scrub} ${BARE_SUITE} ${root} ${BARE_MIRROR}`
    if (out.exitCode !== 0) throw new Error(`mmdebstrap failed (exit ${out.exitCode}):\n${out.stderr.trim().split('\n').slice(-15).join('\n')}`)
    rmSync(join(repo, 'partial'), { recursive: true, force: true })
    rmSync(join(repo, 'lock'), { force: true })
    // The index apt reads from a flat `file:` repository (`deb file:DIR ./`).
    await $({ cwd: repo })`sh -c ${'dpkg-scanpackages --multiversion . /dev/null 2>/dev/null | gzip -9n >Packages.gz'}`
  })
  if (seconds !== undefined) log(`bare-debian: built in ${seconds.toFixed(1)} s`)
  return paths(dir)
}
