/**
 * The running host under systemd-networkd. The way there: `networkctl
 * reload` (a new .netdev: networkd creates the bridge, with the MAC its file
 * gives; a changed .network: it reconfigures the links it matches), the
 * bridge awaited, then `networkctl reconfigure` of the uplink and the bridge.
 * The way back: the bridge deleted with ip — networkd never deletes a netdev
 * whose .netdev left its configuration; `networkctl reload` would leave br0
 * there, unmanaged — then reload, and the uplink reconfigured, which takes
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

/** Shell: wait (up to 10 s) for a link networkd creates from a .netdev. */
export const waitForLink = (name: string) => sh`i=0; until [ -e ${`/sys/class/net/${name}`} ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done`

/**
 * Shell: wait (up to 15 s) until `dev` carries what networkd is to give it —
 * the wish's primary address (a lease: any IPv4 address) and the default
 * route — and forwards (operstate up). networkctl returns once it has asked
 * networkd, not once networkd is done, and reconfigure takes the port down
 * and up: the probes that follow must not race it. networkd handles the
 * kernel's news of a deleted or new bridge after the reload it was asked
 * for, and can fail a link on the way ("Failed to set master interface",
 * seen in the lab after a rollback); a failed link stays failed until asked
 * again, so every 3 s `again` runs and `links` are reconfigured again. Not an error
 * when it does not come: the probes decide.
 */
export function waitForAddressing(w: BridgeWish, dev: string, links: string[] = [dev], again: string[] = [], more: string[] = [], after: string[] = []): string {
  const primary = w.bootproto === 'static' ? w.addresses[0] : undefined
  const conds = [
    sh`{ read -r s < ${`/sys/class/net/${dev}/operstate`}; } 2>/dev/null && [ "$s" = up ]`,
    primary ? sh`ip -4 -o addr show dev ${dev} | grep -qF ${` ${primary.address}/${primary.prefix} `}` : sh`ip -4 -o addr show dev ${dev} | grep -q ' inet '`,
    ...(w.gateway || w.bootproto === 'dhcp' ? [sh`ip route show default | grep -qF ${`dev ${dev}`}`] : []),
    ...more,
  ]
  return [
    `i=0; until { ${conds.join(' && ')}; } || [ $i -ge 150 ]; do`,
    sh`  i=$((i+1)); [ $((i % 30)) -ne 0 ] || {`,
    ...again.map((c) => `    ${c} || :`),
    sh`    networkctl reconfigure ${links} || :`,
    ...after.map((c) => `    ${c} || :`),
    '  }',
    '  sleep 0.1',
    'done',
  ].join('\n')
}

/**
 * The bridge's creation and its port, once networkd has read the files that
 * say so (`networkctl reload`): networkd would enslave the port itself, but
 * can try before it has seen the new bridge ("Failed to set master
 * interface: Invalid argument", in the lab) and then leaves the port failed,
 * so ip enslaves it first and networkd takes both over (reconfigure).
 */
export function bridgeUp(w: BridgeWish): string[] {
  const device = w.uplink.name
  const enslave = sh`[ -e ${`/sys/class/net/${w.bridge}/brif/${device}`} ] || ip link set ${device} master ${w.bridge}`
  // networkd before v257 leaves a netdev that exists as it is (systemd#36406): a bridge there already gets the uplink's MAC from ip.
  const mac = sh`{ read -r m < ${`/sys/class/net/${w.bridge}/address`}; } 2>/dev/null && [ "$m" = ${w.hwaddr} ] || ip link set ${w.bridge} address ${w.hwaddr}`
  // A port carries no address: networkd drops the uplink's when it reconfigures it, but a lease it held was seen to stay
  // (the host then answered from the port, unreachable, with br0 leased too): ip takes them off, as iproute2Plan does.
  const flush = sh`ip addr flush dev ${device} scope global`
  return ['networkctl reload', waitForLink(w.bridge), mac, enslave, sh`networkctl reconfigure ${device} ${w.bridge}`, flush, waitForAddressing(w, w.bridge, [device, w.bridge], [enslave], [sh`! ip -o addr show dev ${device} scope global | grep -q .`], [flush])]
}

function bridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const device = w.uplink.name
  const apply = ['set -e', ...bridgeUp(w)].join('\n')
  return { apply, describe: sh`networkctl reload; networkctl reconfigure ${device} ${w.bridge}` }
}

function unbridgeChange(w: BridgeWish, there: boolean): Pick<RuntimeChange, 'apply' | 'describe'> {
  const device = w.uplink.name
  const apply = [
    'set -e',
    // networkd does not delete a netdev removed from its configuration: the bridge goes with ip (its port leaves it).
    ...(there ? [sh`ip link del ${w.bridge}`] : []),
    'networkctl reload',
    sh`networkctl reconfigure ${device}`,
    waitForAddressing(w, device),
  ].join('\n')
  return { apply, describe: sh`ip link del ${w.bridge}; networkctl reload; networkctl reconfigure ${device}` }
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
