/**
 * The running host under ifupdown. The way there: by the time the change runs
 * the file is rewritten, so `ifdown <device>` would read the new,
 * address-less definition; the device's addresses are flushed with ip
 * instead, and `ifup <bridge>` brings the bridge up from the new file.
 * ifupdown's state (/run/network/ifstate.<iface>, which ifup trusts, and the
 * summary in /run/network/ifstate, which ifquery --state reads) keeps the
 * device as configured, which stays true either way; the rollback forgets
 * the bridge. The way back: the bridge deleted with ip (its stanza is gone
 * from the file by then, so ifdown could not read it), ifupdown's state
 * forgets both, and `ifup <device>` brings the uplink up from the new stanza
 * — the reader of the file proves it; the rollback puts the bridge back with
 * ip, the file as it was, and ifupdown's state as it was (both up).
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

export const STATE_DIR = '/run/network'

/** ifupdown forgets it brought `iface` up (ifup trusts ifstate.<iface>; ifquery --state reads the summary). */
const forget = (iface: string) => [sh`rm -f ${`${STATE_DIR}/ifstate.${iface}`}`, sh`[ ! -f ${`${STATE_DIR}/ifstate`} ] || sed -i ${`/^${iface}=/d`} ${`${STATE_DIR}/ifstate`}`]
/** ifupdown's record that it brought `iface` up. */
const remember = (iface: string) => [sh`printf '%s\\n' ${iface} > ${`${STATE_DIR}/ifstate.${iface}`}`, sh`printf '%s\\n' ${`${iface}=${iface}`} >> ${`${STATE_DIR}/ifstate`}`]

function bridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const device = w.uplink.name
  const state = `${STATE_DIR}/ifstate.${w.bridge}`
  const apply = [
    'set -e',
    // A bridge ifupdown thinks is up but is not as wished: taken down first (ifup would do nothing).
    sh`if [ -e ${state} ]; then ifdown --force ${w.bridge} || true; fi`,
    // A lease of the device's own (ifupdown's dhcp method) ends: the bridge asks again, with the same MAC.
    sh`if [ -f /run/dhclient.${device}.pid ]; then read -r pid < /run/dhclient.${device}.pid && kill "$pid" || true; fi`,
    // ifdown would read the new, address-less definition: the addresses go with ip.
    sh`ip -4 addr flush dev ${device} scope global`,
    sh`ip -6 addr flush dev ${device} scope global`,
    sh`ifup ${w.bridge}`,
  ].join('\n')
  return { apply, describe: sh`ip addr flush dev ${device}; ifup ${w.bridge}` }
}

function unbridgeChange(w: BridgeWish): Pick<RuntimeChange, 'apply' | 'describe'> {
  const device = w.uplink.name
  const apply = [
    'set -e',
    sh`mkdir -p ${STATE_DIR}`,
    sh`ip link del ${w.bridge} 2>/dev/null || true`,
    ...forget(w.bridge),
    ...forget(device),
    sh`ip -4 addr flush dev ${device} scope global`,
    sh`ifup ${device}`,
  ].join('\n')
  return { apply, describe: sh`ip link del ${w.bridge}; ifup ${device}` }
}

export function planRuntime(w: BridgeWish, { net }: NetworkFacts): RuntimeChange | undefined {
  // As wished when iproute2 would have nothing to do: the port in the bridge (or alone), every address and route where it belongs.
  if (w.state === 'present' ? iproute2Plan(w, net).length === 0 : isUnbridged(w, net)) return undefined
  if (w.state === 'absent') refuseWhileOtherPorts(w, net)
  return { state: w.state, bridge: w.bridge, uplink: w.uplink, ...(w.state === 'present' ? bridgeChange(w) : unbridgeChange(w)) }
}

/**
 * The way there undone: the links and files back, ifupdown forgets the bridge; a device
 * ifupdown brought up is brought up again by ifup from the file put back, so its addresses
 * and routes are ifupdown's own, as before (its default route is `onlink`); ip again if that fails.
 */
function bridgeRestore(bridge: string, device: string, snapshot: NetworkSnapshot, files: FileOriginal[]): string[] {
  const back = [...linksBack(snapshot), ...filesBack(files)]
  return [...back, ...forget(bridge), sh`if [ -e ${`${STATE_DIR}/ifstate.${device}`} ]; then`, sh`ip -4 addr flush dev ${device} scope global`, ...forget(device), sh`ifup ${device} || {`, ...back, '}', 'fi']
}

/** The way back undone: the bridge back with ip, the file as it was, and ifupdown's state as it was (both up, where they were). */
function unbridgeRestore(bridge: string, device: string, snapshot: NetworkSnapshot, files: FileOriginal[]): string[] {
  const existed = (iface: string) => snapshot.links.some((l) => l.name === iface && l.existed)
  return [...linksBack(snapshot), ...filesBack(files), ...forget(device), ...forget(bridge), ...[device, bridge].filter(existed).flatMap(remember)]
}

export function restore(change: RuntimeChange, { net }: NetworkFacts, files: FileOriginal[]): Restore {
  const { bridge } = change
  const device = change.uplink.name
  const snapshot = snapshotOf(net, changedLinks(change))
  const lines = change.state === 'present' ? bridgeRestore(bridge, device, snapshot, files) : unbridgeRestore(bridge, device, snapshot, files)
  return {
    script: rollbackScript('kvmplay rollback: puts back what the cutover changed', lines),
    describe: `${describeSnapshot(snapshot, files)}; ${change.state === 'present' ? `ifupdown's state forgets ${bridge}` : `ifupdown's state: ${bridge} and ${device} up`}`,
  }
}
