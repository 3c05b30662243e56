/**
 * The rollback a host runs by itself: the links, addresses and default route
 * it had before a cutover, and the files this run changed, as they were.
 * Pure: built from facts read before the change.
 */
import { addedRoutes } from '../facts/network.ts'
import type { Address, HostNetwork, Route } from '../facts/network.ts'
import type { FileOriginal } from '../core/task.ts'
import { sh } from '../core/quote.ts'

export interface NetworkSnapshot {
  /** The links the change touches, as they were (absent: the change creates it). */
  links: { name: string; existed: boolean; master?: string; up: boolean; addresses: Address[]; addresses6: Address[]; bridgeMac?: string }[]
  defaultRoute?: { gateway?: string; dev: string }
  defaultRoute6?: { gateway?: string; dev: string }
  /** IPv4 routes someone added on those links (not the default, not the kernel's prefix routes). */
  routes?: { dst: string; gateway?: string; dev: string; metric?: number }[]
}

const route = (r?: Route) => r && { gateway: r.gateway, dev: r.dev }

export function snapshotOf(net: HostNetwork, involved: string[]): NetworkSnapshot {
  return {
    links: involved.map((name) => {
      const l = net.links.find((x) => x.name === name)
      const addr = (list: Address[]) => list.map(({ address, prefix }) => ({ address, prefix }))
      return l
        ? { name, existed: true, master: l.master, up: l.up, addresses: addr(l.addresses), addresses6: addr(l.addresses6), ...(l.kind === 'bridge' ? { bridgeMac: l.mac } : {}) }
        : { name, existed: false, up: false, addresses: [], addresses6: [] }
    }),
    defaultRoute: route(net.routes.find((r) => r.dst === 'default')),
    defaultRoute6: route(net.routes6.find((r) => r.dst === 'default')),
    routes: involved.flatMap((dev) => addedRoutes(net.routes, dev)).map(({ dst, gateway, dev, metric }) => ({ dst, gateway, dev, ...(metric !== undefined ? { metric } : {}) })),
  }
}

/**
 * A rollback script: its title, then commands every one of which may fail (a
 * step already undone) without stopping the rest. Callers compose it from the
 * pieces below (linksBack, filesBack) and their system's own commands.
 */
export const rollbackScript = (title: string, lines: string[]): string => [`# ${title}`, 'set +e', ...lines].join('\n') + '\n'

/** A script that puts the snapshot back, and the files. */
export const restoreScript = (snap: NetworkSnapshot, files: FileOriginal[]): string =>
  rollbackScript('kvmplay rollback: puts back what the cutover changed', [...linksBack(snap), ...filesBack(files)])

/** The files as they were before the run. */
export const filesBack = (files: FileOriginal[]): string[] => files.flatMap(fileRestore)

/** The commands that put the snapshot's links, addresses and routes back. */
export function linksBack(snap: NetworkSnapshot): string[] {
  const lines: string[] = []
  // Links the change created go first (deleting a bridge frees its ports).
  for (const l of snap.links.filter((l) => !l.existed)) lines.push(sh`ip link del ${l.name} 2>/dev/null`)
  // Bridges the change removed (the way back's removeBridge) come back first, with their MAC, so their ports can rejoin.
  for (const l of snap.links.filter((l) => l.existed && l.bridgeMac)) {
    lines.push(sh`[ -e ${`/sys/class/net/${l.name}`} ] || { ip link add ${l.name} type bridge && ip link set ${l.name} address ${l.bridgeMac!}; }`)
  }
  for (const l of snap.links.filter((l) => l.existed)) {
    lines.push(l.master ? sh`ip link set ${l.name} master ${l.master}` : sh`ip link set ${l.name} nomaster 2>/dev/null`)
    // Both families: what the change moved to the bridge comes back, the primary first.
    lines.push(sh`ip addr flush dev ${l.name} scope global`)
    for (const a of l.addresses) lines.push(sh`ip addr add ${`${a.address}/${a.prefix}`} dev ${l.name}`)
    for (const a of l.addresses6) lines.push(sh`ip addr add ${`${a.address}/${a.prefix}`} dev ${l.name} nodad`)
    lines.push(sh`ip link set ${l.name} ${l.up ? 'up' : 'down'}`)
  }
  const r = snap.defaultRoute
  if (r) lines.push(r.gateway ? sh`ip route replace default via ${r.gateway} dev ${r.dev}` : sh`ip route replace default dev ${r.dev}`)
  const r6 = snap.defaultRoute6
  if (r6) lines.push(r6.gateway ? sh`ip -6 route replace default via ${r6.gateway} dev ${r6.dev}` : sh`ip -6 route replace default dev ${r6.dev}`)
  // After the addresses: a route's gateway must be on a link again first.
  for (const x of snap.routes ?? []) lines.push(sh`ip route replace ${x.dst}` + (x.gateway ? sh` via ${x.gateway}` : '') + sh` dev ${x.dev}` + (x.metric !== undefined ? ` metric ${x.metric}` : ''))
  return lines
}

/** The commands that put one file back as it was: its content, mode and owner, or its absence. */
export function fileRestore(f: FileOriginal): string[] {
  if (f.content === undefined) return [sh`rm -f -- ${f.path}`]
  return putFile({ ...f, content: f.content })
}

/**
 * A file's temp name while it is written: in its own directory (the rename
 * stays on one filesystem) and hidden, which no reader of configuration
 * takes — ifupdown's `source dir/*` skips it, netplan reads *.yaml alone,
 * NetworkManager skips dotfiles.
 */
export const tempNameOf = (path: string) => `${path.slice(0, path.lastIndexOf('/') + 1)}.${path.slice(path.lastIndexOf('/') + 1)}.kvmplay-tmp`

/** Shell: the temp file's data on disk before its rename (`sync -d`, where sync takes a file: see tasks/file.ts). */
export const syncFile = (path: string) => sh`sync -d ${path} 2>/dev/null || :`

/**
 * Exactly this content (base64 in the script: any bytes), mode and owner at
 * `path`, written to a temp file beside it, synced, and renamed over it: a
 * power cut leaves the old file or the new, whole — never half of one.
 */
export function putFile(f: FileOriginal & { content: string }): string[] {
  const t = tempNameOf(f.path)
  return [
    sh`printf '%s' ${Buffer.from(f.content).toString('base64')} | base64 -d > ${t}`,
    ...(f.mode ? [sh`chmod ${f.mode} ${t}`] : []),
    ...(f.owner ? [sh`chown ${`${f.owner}:${f.group ?? f.owner}`} ${t}`] : []),
    syncFile(t),
    sh`mv -f -- ${t} ${f.path}`,
  ]
}

/** One line a human reads in --check: what the rollback would put back. */
export function describeSnapshot(snap: NetworkSnapshot, files: FileOriginal[]): string {
  const links = snap.links.map((l) =>
    l.existed ? `${l.name} ${[...l.addresses, ...l.addresses6].map((a) => `${a.address}/${a.prefix}`).join(',') || 'no address'}${l.master ? ` in ${l.master}` : ''}` : `no ${l.name}`,
  )
  const route = [snap.defaultRoute, snap.defaultRoute6].flatMap((r) => (r ? [`default via ${r.gateway ?? '-'} dev ${r.dev}`] : []))
  route.push(...(snap.routes ?? []).map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`))
  const fileList = files.length ? [`${files.length} file(s) as before the run: ${files.map((f) => f.path).join(', ')}`] : []
  return [...links, ...route, ...fileList].join('; ')
}
