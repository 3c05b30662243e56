/**
 * NetworkManager's profiles as kvmplay finds and names them: the bridge's,
 * its port's (the uplink's own profile, rewritten in place) and, on the way
 * back, the uplink's again. Profiles netplan generated
 * (/run/NetworkManager/system-connections/netplan-*) are netplan's, and an
 * uplink kept by them is left to the netplan system.
 */
import { createHash } from 'node:crypto'
import { NETWORK_SCRIPTS } from '../../../facts/ifcfg.ts'
import type { NmProfile } from '../../../facts/network-system.ts'
import type { NetworkFacts } from '../../system.ts'
import type { BridgeWish } from '../../wish.ts'

/** Where NetworkManager's keyfile plugin keeps the profiles it persists. */
export const SYSTEM_CONNECTIONS = '/etc/NetworkManager/system-connections'
const NETPLAN_PROFILES = '/run/NetworkManager/system-connections/netplan-'

export const isNetplans = (p: Pick<NmProfile, 'filename'>) => p.filename?.startsWith(NETPLAN_PROFILES) ?? false
const isKeyfile = (p: NmProfile) => p.filename?.startsWith(`${SYSTEM_CONNECTIONS}/`) ?? false
export const isIfcfg = (p: NmProfile) => p.filename?.startsWith(`${NETWORK_SCRIPTS}/`) ?? false
export const profilesOf = (facts: NetworkFacts) => facts.system.networkManager?.profiles ?? []
export const activeOn = (facts: NetworkFacts, device: string) => profilesOf(facts).find((p) => p.active && p.device === device && !isNetplans(p))

/** A UUID from a name (RFC 4122 layout, version 5 of SHA-1): the same bridge on the same NIC gets the same profile, run after run. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex')
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export interface Profile {
  id: string
  uuid: string
  path: string
}

/** A profile of the bridge NetworkManager has (not netplan's). */
export const bridgeProfileLeft = (w: BridgeWish, facts: NetworkFacts) =>
  profilesOf(facts).find((p) => p.type === 'bridge' && !isNetplans(p) && (p.device === w.bridge || p.name === w.bridge))

/**
 * The bridge's profile: the one NetworkManager already has for it (its uuid;
 * its file, where that is a keyfile), else a new keyfile named after it.
 */
export function bridgeProfile(w: BridgeWish, facts: NetworkFacts): Profile {
  const have = bridgeProfileLeft(w, facts)
  return { id: w.bridge, uuid: have?.uuid ?? nameUuid(`kvmplay/bridge/${w.bridge}/${w.hwaddr}`), path: have && isKeyfile(have) ? have.filename! : `${SYSTEM_CONNECTIONS}/${w.bridge}.nmconnection` }
}

export const portId = (w: BridgeWish) => `${w.bridge}-port-${w.uplink.name}`

/** The uuid the uplink's profile gets where NetworkManager has none for it: the port's and the uplink's alone are one profile. */
const uplinkUuid = (w: BridgeWish) => nameUuid(`kvmplay/port/${w.bridge}/${w.uplink.name}`)

/**
 * The port's profile is the uplink's own, rewritten: the same uuid and, where
 * it is a keyfile, the same file, so no second profile competes for the
 * device. Before the change that is the profile active on the device; after,
 * the port (active there, or known by its id). A profile stored elsewhere (an
 * ifcfg file, a profile in /run) is replaced by a keyfile named after the
 * device, which is where the same lookup finds it after the change.
 */
export function portProfile(w: BridgeWish, facts: NetworkFacts): Profile & { replaces?: string } {
  const have = activeOn(facts, w.uplink.name) ?? profilesOf(facts).find((p) => p.name === portId(w) && !isNetplans(p))
  const path = have && isKeyfile(have) ? have.filename! : `${SYSTEM_CONNECTIONS}/${w.uplink.name}.nmconnection`
  const replaces = have?.filename && have.filename !== path ? have.filename : undefined
  return { id: portId(w), uuid: have?.uuid ?? uplinkUuid(w), path, replaces }
}

/**
 * The uplink's profile on the way back: the one active on the device (the
 * bridge's port, or after the way back the uplink's own), else the port or
 * the uplink by its name; its file where that is a keyfile, else one named
 * after the device.
 */
export function uplinkProfile(w: BridgeWish, facts: NetworkFacts): Profile {
  const device = w.uplink.name
  const have = activeOn(facts, device) ?? profilesOf(facts).find((p) => (p.name === portId(w) || p.name === device) && !isNetplans(p))
  const path = have?.filename?.startsWith(`${SYSTEM_CONNECTIONS}/`) ? have.filename : `${SYSTEM_CONNECTIONS}/${device}.nmconnection`
  return { id: device, uuid: have?.uuid ?? uplinkUuid(w), path }
}
