/**
 * The way back on Debian's ifupdown: the bridge's stanzas (and kvmplay's
 * marker) taken out of the file that holds them, the uplink's own stanza
 * back in their place — `iface <device> inet static` with its addresses,
 * gateway and the dns-* lines the bridge carried, `auto <device>` where no
 * line brings it up — so a file kvmplay bridged comes back as the lab (or
 * the installer) wrote it. Everything else in the file stays as it is.
 *
 * The running host: the bridge deleted with ip (its stanza is gone from the
 * file by then, so ifdown could not read it), ifupdown's state forgets both,
 * and `ifup <device>` brings the uplink up from the new stanza — the reader
 * of the file proves it. The rollback puts the bridge back with ip, the file
 * as it was, and ifupdown's state as it was (both up).
 */
import { sh } from '../../core/quote.ts'
import { INTERFACES } from '../../facts/network-system.ts'
import type { NetworkSystem } from '../../facts/network-system.ts'
import { renderTemplate } from '../../render.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../../cutover/restore.ts'
import { STATE_DIR, addressingContext, carriedOver, definingFiles, parseStanzas, rewriteInterfaces, upRoutes } from '../backends/ifupdown.ts'
import type { PersistedFile } from '../backend.ts'
import type { BridgeWish } from '../wish.ts'
import type { Unbridger } from './types.ts'
import { refuseWhileOtherPorts, unbridgePlan } from './iproute2.ts'

const AUTO = /^\s*(auto|allow-[\w-]+)\s+(.*?)\s*$/

/** Whether some `auto` or `allow-*` line brings `iface` up (then the uplink's stanza needs none of its own). */
const broughtUp = (content: string, iface: string) => content.split('\n').some((l) => AUTO.exec(l)?.[2].split(/\s+/).includes(iface) ?? false)

/** The uplink's stanzas, from templates/ifupdown/uplink.hbs. */
export function renderUplinkStanzas(w: BridgeWish, carried: { dnsLines: string[]; method6?: string }, auto: boolean): string {
  return renderTemplate('ifupdown/uplink.hbs', { ...addressingContext(w, carried), auto, device: w.device, routes: upRoutes(w, w.device) })
}

export function ifupdownUplinkFiles(w: BridgeWish, system: NetworkSystem): PersistedFile[] {
  const files = system.ifupdown ?? []
  const defining = definingFiles(files, w)
  const block = (f: { content: string }) => renderUplinkStanzas(w, carriedOver(files, w), !files.some((x) => broughtUp(rewriteInterfaces(x.content, w), w.device)))
  // The stanza goes where the device was defined (else where the bridge was); other files only lose their stanzas.
  const home =
    defining.find((f) => parseStanzas(f.content).some((s) => s.iface === w.device)) ?? defining[0] ?? files.find((f) => f.path === INTERFACES) ?? { path: INTERFACES, content: '' }
  const targets = defining.includes(home) ? defining : [home, ...defining]
  return targets.map((f) => ({ path: f.path, content: rewriteInterfaces(f.content, w, f === home ? block(f) : undefined) }))
}

const forget = (iface: string) => [sh`rm -f ${`${STATE_DIR}/ifstate.${iface}`}`, sh`[ ! -f ${`${STATE_DIR}/ifstate`} ] || sed -i ${`/^${iface}=/d`} ${`${STATE_DIR}/ifstate`}`]
/** ifupdown's record that it brought `iface` up (ifstate.<iface>, and the summary ifquery --state reads). */
const remember = (iface: string) => [sh`printf '%s\\n' ${iface} > ${`${STATE_DIR}/ifstate.${iface}`}`, sh`printf '%s\\n' ${`${iface}=${iface}`} >> ${`${STATE_DIR}/ifstate`}`]

export const ifupdownUnbridger: Unbridger = {
  name: 'ifupdown',
  persist: (w, { system }) => ifupdownUplinkFiles(w, system),
  planRuntime: (w, { net }) => {
    if (unbridgePlan(w, net).length === 0) return undefined
    refuseWhileOtherPorts(w, net)
    const apply = [
      'set -e',
      sh`mkdir -p ${STATE_DIR}`,
      sh`ip link del ${w.bridge} 2>/dev/null || true`,
      ...forget(w.bridge),
      ...forget(w.device),
      sh`ip -4 addr flush dev ${w.device} scope global`,
      sh`ifup ${w.device}`,
    ].join('\n')
    return { apply, describe: sh`ip link del ${w.bridge}; ifup ${w.device}`, links: [w.bridge, w.device] }
  },
  restore: (change, { net }, files) => {
    const [bridge, device] = change.links
    const snapshot = snapshotOf(net, change.links)
    const wasUp = (iface: string) => snapshot.links.some((l) => l.name === iface && l.existed)
    const script = [
      restoreScript(snapshot, files).replace(/\n$/, ''),
      // ifupdown's state as it was: both brought up by it (ifup trusts ifstate.<iface>).
      ...forget(device),
      ...forget(bridge),
      ...[device, bridge].filter(wasUp).flatMap(remember),
    ].join('\n')
    return { script: script + '\n', describe: `${describeSnapshot(snapshot, files)}; ifupdown's state: ${bridge} and ${device} up` }
  },
}
