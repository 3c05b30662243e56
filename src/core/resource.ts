/**
 * What a fact reads and what a step changes, named as typed values. After a
 * change the fact cache drops exactly the facts whose reads overlap what the
 * change touched — so no fact or task needs to know another's cache key, and
 * a new fact is invalidated correctly by tasks written before it.
 */
export type Resource =
  /** A file or directory, and everything below it. */
  | { kind: 'path'; path: string }
  /** The host's links, their addresses and the routes (what `ip` shows). */
  | { kind: 'links' }
  /** A kernel parameter; without a key, all of them. */
  | { kind: 'sysctl'; key?: string }
  /** A libvirt network; without a name, every network. */
  | { kind: 'libvirt-network'; name?: string }
  /** A libvirt domain (a guest); without a name, every domain. */
  | { kind: 'libvirt-domain'; name?: string }
  /** The installed packages (dpkg's or rpm's database) and the package manager's cache. */
  | { kind: 'packages' }
  /** A systemd unit's state (enabled, active, masked); without a name, every unit. */
  | { kind: 'unit'; name?: string }
  /** Users and groups (/etc/passwd, /etc/group), as `getent` and `id` show them. */
  | { kind: 'accounts' }
  /** A kernel module, loaded or not (/proc/modules); without a name, every module. */
  | { kind: 'kernel-module'; name?: string }
  /** A libvirt storage pool; without a name, every pool. */
  | { kind: 'libvirt-pool'; name?: string }
  /** Anything on the host: a user's command may read or change whatever it likes. */
  | { kind: 'anything' }

export const resource = {
  path: (path: string): Resource => ({ kind: 'path', path }),
  links: { kind: 'links' } as Resource,
  sysctl: (key?: string): Resource => ({ kind: 'sysctl', key }),
  libvirtNetwork: (name?: string): Resource => ({ kind: 'libvirt-network', name }),
  libvirtDomain: (name?: string): Resource => ({ kind: 'libvirt-domain', name }),
  packages: { kind: 'packages' } as Resource,
  unit: (name?: string): Resource => ({ kind: 'unit', name }),
  accounts: { kind: 'accounts' } as Resource,
  kernelModule: (name?: string): Resource => ({ kind: 'kernel-module', name }),
  libvirtPool: (name?: string): Resource => ({ kind: 'libvirt-pool', name }),
  anything: { kind: 'anything' } as Resource,
} as const

const under = (path: string, dir: string) => path.startsWith(dir.endsWith('/') ? dir : `${dir}/`)

/** The name a resource narrows to within its kind; undefined: the whole kind. */
function nameOf(r: Resource): string | undefined {
  switch (r.kind) {
    case 'sysctl':
      return r.key
    case 'libvirt-network':
    case 'libvirt-domain':
    case 'unit':
    case 'kernel-module':
    case 'libvirt-pool':
      return r.name
    default:
      return undefined
  }
}

/**
 * Whether a change to one can alter what is read from the other. Paths
 * overlap along a line of descent: writing /etc/a/b can create /etc/a
 * (mkdir -p) and changes a listing of /etc/a; removing /etc/a removes
 * /etc/a/b.
 */
export function overlaps(a: Resource, b: Resource): boolean {
  if (a.kind === 'anything' || b.kind === 'anything') return true
  if (a.kind !== b.kind) return false
  if (a.kind === 'path' && b.kind === 'path') return a.path === b.path || under(a.path, b.path) || under(b.path, a.path)
  const [x, y] = [nameOf(a), nameOf(b)]
  return x === undefined || y === undefined || x === y
}

/** The changes among `touched` that overlap any of `reads`. */
export const overlapping = (reads: readonly Resource[], touched: readonly Resource[]): Resource[] =>
  touched.filter((t) => reads.some((r) => overlaps(r, t)))

/** For messages and -v: "path /etc/sysctl.conf", "libvirt-network br0", "links". */
export const describeResource = (r: Resource): string => (r.kind === 'path' ? `path ${r.path}` : [r.kind, nameOf(r)].filter(Boolean).join(' '))
