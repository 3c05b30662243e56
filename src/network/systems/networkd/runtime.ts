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
import { iproute2Plan } from '../../iproute2.ts'
import { isUnbridged, refuseWhileOtherPorts } from '../../iproute2-removal.ts'
import { changedLinks } from '../../system.ts'
import type { NetworkFacts, Restore, RuntimeChange } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'

/** Shell: wait (up to 10 s) for a link networkd creates from a .netdev. */
export const waitForLink = (name: string) => sh`i=0; until [ -e ${`/sys/class/net/${name}`} ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done`

function bridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const device = w.uplink.name
  const apply = ['set -e', 'networkctl reload', waitForLink(w.bridge), sh`networkctl reconfigure ${device} ${w.bridge}`].join('\n')
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

export function restore(change: RuntimeChange, { net }: NetworkFacts, files: FileOriginal[]): Restore {
  const snapshot = snapshotOf(net, changedLinks(change))
  const existed = snapshot.links.filter((l) => l.existed).map((l) => l.name)
  const lines = [...filesBack(files), ...linksBack(snapshot), 'networkctl reload', ...(existed.length ? [sh`networkctl reconfigure ${existed}`] : []), 'true']
  return {
    script: rollbackScript('kvmplay rollback (systemd-networkd): the files, the links with ip, then networkd takes them again', lines),
    describe: `${describeSnapshot(snapshot, files)}; networkctl reload and reconfigure`,
  }
}
