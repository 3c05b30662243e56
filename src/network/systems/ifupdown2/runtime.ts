/**
 * The running host under ifupdown2, the ifupdown2 way: `ifreload -a`. ifupdown2
 * compares the files with what it brought up (its state in /var/tmp/network)
 * and takes every interface there. Seen on the lab's ifupdown2 hosts:
 *
 * - the way there: the uplink's addresses purged (its stanza is `inet manual`
 *   now), the bridge created with its port, MAC, addresses and gateway
 *   (`ip route add … proto kernel onlink`); SSH carries on;
 * - the way back: the bridge whose stanza went taken down and deleted — where
 *   ifupdown2's state knew it; where it did not, ifreload leaves the bridge
 *   (and its default route: its route add for the uplink fails, silently),
 *   so kvmplay deletes it, says so in the change's log, and reloads again.
 *
 * The rollback puts the links, routes and files back with ip, as every system
 * does, then reloads so ifupdown2's own state is the files' again (ip once
 * more if that fails).
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
import { definedAsWished, optionsOf, refuseForeignBridge, refuseSecondBridge, stanzasOf, writtenByKvmplay } from './files.ts'

/** ifupdown2 takes the running host to its files: every interface they define, and down those whose stanza went (that it brought up). */
export const RELOAD = 'ifreload -a'

/** The lease of the uplink's own (ifupdown2's dhcp method runs dhclient) ends: the bridge asks again, with the same MAC. */
const endLease = (device: string) => sh`if [ -f /run/dhclient.${device}.pid ]; then read -r pid < /run/dhclient.${device}.pid && kill "$pid" || true; fi`

function bridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  return { apply: ['set -e', endLease(w.uplink.name), RELOAD].join('\n'), describe: `${RELOAD} (${w.uplink.name} into ${w.bridge})` }
}

function unbridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const apply = [
    'set -e',
    RELOAD,
    // ifupdown2 takes down a removed bridge only if its state knew it (it brought it up); else the bridge stays,
    // holding the default route (ifupdown2's `ip route add` for the uplink fails, silently): kvmplay deletes it and reloads.
    sh`if [ -e /sys/class/net/${w.bridge} ]; then echo ${`${RELOAD} left ${w.bridge} (unknown to ifupdown2's state): deleting it`} >&2; ip link del ${w.bridge}; ` + `${RELOAD}; fi`,
  ].join('\n')
  return { apply, describe: `${RELOAD} (${w.bridge}'s stanza gone, ${w.uplink.name} with the addresses; ${w.bridge} deleted where ifupdown2 leaves it)` }
}

export function planRuntime(w: BridgeWish, { system, net }: NetworkFacts): RuntimeChange | undefined {
  const files = system.ifupdown2 ?? []
  if (w.state === 'absent') {
    if (isUnbridged(w, net)) return undefined
    refuseWhileOtherPorts(w, net)
    refuseForeignBridge(files, w)
    return { state: w.state, bridge: w.bridge, uplink: w.uplink, ...unbridgeChange(w) }
  }
  refuseSecondBridge(files, w, net)
  // A bridge kept as its admin wrote it, with no MAC of kvmplay's: its MAC is the system's own business.
  const adopted = !writtenByKvmplay(files, w.bridge) && definedAsWished(files, w) && !optionsOf(stanzasOf(files, w.bridge, 'inet')).has('hwaddress')
  const mac = net.links.find((l) => l.name === w.uplink.name)?.mac
  const seen = adopted ? { ...net, links: net.links.map((l) => (l.name === w.bridge && mac ? { ...l, mac } : l)) } : net
  if (iproute2Plan(w, seen).length === 0) return undefined
  return { state: w.state, bridge: w.bridge, uplink: w.uplink, ...bridgeChange(w) }
}

/**
 * ifupdown2 adds a gateway with `ip route add … proto kernel onlink`, which
 * fails where ip put the route back already: the default routes ip restored
 * go just before the reload, so they are ifupdown2's own again (as before the
 * change), and come back by ip if the reload brings none.
 */
function reloadAfter(back: string[], snapshot: NetworkSnapshot, links: string[]): string[] {
  const defaults = [
    { family: '-4', r: snapshot.defaultRoute },
    { family: '-6', r: snapshot.defaultRoute6 },
  ].flatMap(({ family, r }) => (r && links.includes(r.dev) ? [{ family, r }] : []))
  return [
    ...back,
    ...defaults.map(({ family, r }) => sh`ip ${family} route del default dev ${r.dev} 2>/dev/null`),
    `${RELOAD} || {`,
    ...back,
    '}',
    ...defaults.map(({ family, r }) => sh`[ -n "$(ip ${family} route show default)" ] || ip ${family} route replace default ` + (r.gateway ? sh`via ${r.gateway} ` : '') + sh`dev ${r.dev}`),
  ]
}

/** Either change undone: the links, routes and files as they were, then ifupdown2 reloads the files put back. */
export function restore(change: RuntimeChange, { net }: NetworkFacts, files: FileOriginal[]): Restore {
  const links = changedLinks(change)
  const snapshot = snapshotOf(net, links)
  const lines = reloadAfter([...linksBack(snapshot), ...filesBack(files)], snapshot, links)
  return {
    script: rollbackScript('kvmplay rollback: puts back what the cutover changed', lines),
    describe: `${describeSnapshot(snapshot, files)}; ifupdown2 reloads the ${change.state === 'present' ? 'files' : "bridge's files"} put back`,
  }
}
