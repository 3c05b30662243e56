/**
 * The running host under systemd-networkd. The way there: `networkctl
 * reload` (a new .netdev: networkd creates the bridge, with the MAC its file
 * gives; a changed .network: it reconfigures the links it matches), the
 * bridge awaited, the port enslaved, a link networkd failed asked again.
 * The way back: the bridge deleted with ip — networkd never deletes a netdev
 * whose .netdev left its configuration; `networkctl reload` would leave br0
 * there, unmanaged — then reload, which reconfigures the uplink: it takes
 * its addresses (or its lease) back. The rollback, either way: the files as
 * they were, the links with ip (a bridge the change created deleted, one it
 * removed created again with its MAC), then networkd reads its files again
 * and reconfigures the links, so they are its own once more.
 */
import { sh } from '../../../core/quote.ts'
import type { FileOriginal } from '../../../core/task.ts'
import { describeSnapshot, filesBack, linksBack, rollbackScript, snapshotOf } from '../../../cutover/restore.ts'
import type { NetworkSnapshot } from '../../../cutover/restore.ts'
import { iproute2Plan } from '../../iproute2.ts'
import { isUnbridged, refuseWhileOtherPorts } from '../../iproute2-removal.ts'
import { changedLinks } from '../../system.ts'
import type { NetworkFacts, Restore, RuntimeChange } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'

/**
 * Shell: wait (up to 10 s) for a link networkd creates from a .netdev, until
 * both the kernel and networkd know it. By its name over netlink, as ip finds
 * it: the kernel shows a new link in /sys a moment before its name resolves
 * (register_netdevice), and an `ip link set eth0 master br0` in that moment
 * fails ("Device does not exist"). And networkd's state file of its index
 * (/run/systemd/netif/links/N, what sd-network reads): before networkd has
 * taken the kernel's news, `networkctl reconfigure br0` fails ("Link 27 not
 * known"), seen on a loaded lab host.
 */
export const waitForLink = (name: string) =>
  sh`i=0; until { n=$(cat ${`/sys/class/net/${name}/ifindex`} 2>/dev/null) && ip link show dev ${name} >/dev/null 2>&1 && [ -e "/run/systemd/netif/links/$n" ]; } || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done`

/**
 * Shell: `networkctl reconfigure` of those of `links` networkd reports failed
 * (networkctl list's SETUP column): a failed link stays failed until asked
 * again. Only those: a reconfigure drops a DHCP client's lease, and one that
 * comes while networkd has a lease's address requested but not yet set
 * (br0's waits for its port) leaves that address "removing" for good in
 * systemd 252 — networkd then never sets it, and the host stays without an
 * address (seen on loaded lab hosts: "Requesting DHCPv4 address (removing)").
 */
export const reconfigureFailed = (links: string[]) =>
  sh`f=$(networkctl list --no-legend --no-pager ${links} 2>/dev/null | awk '$5 == "failed" { print $2 }'); [ -z "$f" ] || networkctl reconfigure $f`

/** Shell: true when networkd says it is done with `dev` — configured, or not its to configure. */
const settled = (dev: string) => sh`networkctl list --no-legend --no-pager ${dev} 2>/dev/null | awk '$5 == "configured" || $5 == "unmanaged" { f = 1 } END { exit !f }'`

/**
 * Shell: wait (up to 15 s) until `dev` carries what networkd is to give it —
 * the wish's primary address (a lease: any IPv4 address) and the default
 * route — and forwards (operstate up). networkctl returns once it has asked
 * networkd, not once networkd is done: the probes that follow must not race
 * it. networkd handles the kernel's news of a deleted or new bridge after the
 * reload it was asked for, and can fail a link on the way ("Failed to set
 * master interface", seen in the lab after a rollback). So every 3 s `again`
 * runs, the links networkd reports failed are reconfigured (only those: see
 * reconfigureFailed), and `after` runs; at 6 s `dev` is reconfigured if
 * networkd says it is done with it (nothing pending to upset). Not an error
 * when it does not come (the probes decide), but what is missing goes to stderr.
 */
export function waitForAddressing(w: BridgeWish, dev: string, links: string[] = [dev], again: string[] = [], more: string[] = [], after: string[] = []): string {
  const primary = w.bootproto === 'static' ? w.addresses[0] : undefined
  const conds = [
    sh`{ read -r s < ${`/sys/class/net/${dev}/operstate`}; } 2>/dev/null && [ "$s" = up ]`,
    primary ? sh`ip -4 -o addr show dev ${dev} | grep -qF ${` ${primary.address}/${primary.prefix} `}` : sh`ip -4 -o addr show dev ${dev} | grep -q ' inet '`,
    ...(w.gateway || w.bootproto === 'dhcp' ? [sh`ip route show default | grep -qF ${`dev ${dev}`}`] : []),
    ...more,
  ]
  const wished = `{ ${conds.join(' && ')}; }`
  return [
    `i=0; until ${wished} || [ $i -ge 150 ]; do`,
    sh`  i=$((i+1)); [ $((i % 30)) -ne 0 ] || {`,
    ...again.map((c) => `    ${c} || :`),
    `    ${reconfigureFailed(links)} || :`,
    // networkd done with `dev` (configured) yet it is not as wished: a reload that found its file as it had it left it so.
    `    [ $i -ne 60 ] || ! ${settled(dev)} || networkctl reconfigure ${sh`${dev}`} || :`,
    ...after.map((c) => `    ${c} || :`),
    '  }',
    '  sleep 0.1',
    'done',
    // What is missing, in the cutover's apply.log on the host (/run/kvmplay/cutover-*/) for whoever looks into a rollback.
    `${wished} || { echo ${sh`${`kvmplay: ${dev} is not as wished after 15 s (${wishText(w, primary)}); networkd and the kernel say:`}`} >&2; networkctl list --no-legend --no-pager >&2 || :; ip -br addr >&2 || :; ip route show default >&2 || :; }`,
  ].join('\n')
}

const wishText = (w: BridgeWish, primary: { address: string; prefix: number } | undefined) =>
  `operstate up, ${primary ? `${primary.address}/${primary.prefix}` : 'a lease'}${w.gateway || w.bootproto === 'dhcp' ? ', the default route' : ''}`

/**
 * The bridge's creation and its port, once networkd has read the files that
 * say so (`networkctl reload`, which also reconfigures the uplink, its file
 * changed, and configures the new bridge): networkd would enslave the port
 * itself, but can try before it has seen the new bridge ("Failed to set
 * master interface: Invalid argument", in the lab) and then leaves the port
 * failed, so ip enslaves it first and a link networkd failed is asked again.
 * No reconfigure of the bridge: it may come while its lease's address waits
 * for the port, and systemd 252 then never sets it (reconfigureFailed).
 */
export function bridgeUp(w: BridgeWish): string[] {
  const device = w.uplink.name
  const enslave = sh`[ -e ${`/sys/class/net/${w.bridge}/brif/${device}`} ] || ip link set ${device} master ${w.bridge}`
  // networkd before v257 leaves a netdev that exists as it is (systemd#36406): a bridge there already gets the uplink's MAC from ip.
  const mac = sh`{ read -r m < ${`/sys/class/net/${w.bridge}/address`}; } 2>/dev/null && [ "$m" = ${w.hwaddr} ] || ip link set ${w.bridge} address ${w.hwaddr}`
  // A port carries no address: networkd drops the uplink's when it reconfigures it, but a lease it held was seen to stay
  // (the host then answered from the port, unreachable, with br0 leased too): ip takes them off, as iproute2Plan does.
  const flush = sh`ip addr flush dev ${device} scope global`
  return ['networkctl reload', waitForLink(w.bridge), mac, enslave, `${reconfigureFailed([device, w.bridge])} || :`, flush, waitForAddressing(w, w.bridge, [device, w.bridge], [enslave], [sh`! ip -o addr show dev ${device} scope global | grep -q .`], [flush])]
}

function bridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const apply = ['set -e', ...bridgeUp(w)].join('\n')
  return { apply, describe: 'networkctl reload' }
}

function unbridgeChange(w: BridgeWish, there: boolean): Pick<RuntimeChange, 'apply' | 'describe'> {
  const device = w.uplink.name
  const apply = [
    'set -e',
    // networkd does not delete a netdev removed from its configuration: the bridge goes with ip (its port leaves it).
    ...(there ? [sh`ip link del ${w.bridge}`] : []),
    // The reload reconfigures the uplink (its file changed): no second reconfigure to drop the lease it is taking.
    'networkctl reload',
    waitForAddressing(w, device),
  ].join('\n')
  return { apply, describe: sh`ip link del ${w.bridge}; networkctl reload` }
}

export function planRuntime(w: BridgeWish, { net }: NetworkFacts): RuntimeChange | undefined {
  // As wished when iproute2 would have nothing to do: the port in the bridge (or alone), every address and route where it belongs.
  if (w.state === 'present' ? iproute2Plan(w, net).length === 0 : isUnbridged(w, net)) return undefined
  const there = net.links.some((l) => l.name === w.bridge)
  if (w.state === 'absent' && there) refuseWhileOtherPorts(w, net)
  return { state: w.state, bridge: w.bridge, uplink: w.uplink, ...(w.state === 'present' ? bridgeChange(w) : unbridgeChange(w, there)) }
}

/**
 * The rollback's last part: networkd reads the files put back and takes the
 * links again, which it does after this script's commands return (it
 * reconfigures a link from scratch: its addresses go and come back, a link
 * can fail on the way). So the script waits until the links are as the
 * snapshot says (each primary address, the default route), and puts them
 * back with ip once more if networkd has not within 10 s.
 */
export function networkdTakesBack(snapshot: NetworkSnapshot): string[] {
  const existed = snapshot.links.filter((l) => l.existed)
  const conds = [
    ...existed.flatMap((l) => (l.addresses[0] ? [sh`ip -4 -o addr show dev ${l.name} | grep -qF ${` ${l.addresses[0].address}/${l.addresses[0].prefix} `}`] : [])),
    ...(snapshot.defaultRoute ? [sh`ip route show default | grep -qF ${`dev ${snapshot.defaultRoute.dev}`}`] : []),
  ]
  const restored = conds.join(' && ') || 'true'
  return [
    'networkctl reload',
    ...(existed.length ? [sh`networkctl reconfigure ${existed.map((l) => l.name)}`] : []),
    // networkd flushes a link it reconfigures before it configures it: the state is looked at once it had time to start.
    'sleep 1',
    `restored() { ${restored}; }`,
    'i=0; until restored || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done',
    'if ! restored; then',
    ...linksBack(snapshot),
    'fi',
    'true',
  ]
}

export function restore(change: RuntimeChange, { net }: NetworkFacts, files: FileOriginal[]): Restore {
  const snapshot = snapshotOf(net, changedLinks(change))
  const lines = [...filesBack(files), ...linksBack(snapshot), ...networkdTakesBack(snapshot)]
  return {
    script: rollbackScript('kvmplay rollback (systemd-networkd): the files, the links with ip, then networkd takes them again', lines),
    describe: `${describeSnapshot(snapshot, files)}; networkctl reload and reconfigure`,
  }
}
