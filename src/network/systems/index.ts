/**
 * The registry of network systems: every name, the choice and the lab's
 * profiles derive from this list. A new system is a folder beside these and
 * one line here (docs/network-systems.md, "Adding a network system").
 *
 * The order is the order of the names in messages; the fallback (the system
 * of hosts no system claims) is the one marked so, whatever its place.
 */
import { chooseSystem } from '../choose.ts'
import type { Choice } from '../choose.ts'
import type { NetworkFacts } from '../system.ts'
import type { BridgeWish } from '../wish.ts'
import { ifcfg } from './ifcfg/index.ts'
import { ifupdown } from './ifupdown/index.ts'
import { ifupdown2 } from './ifupdown2/index.ts'
import { netplan } from './netplan/index.ts'
import { networkd } from './networkd/index.ts'
import { networkManager } from './networkmanager/index.ts'

export const NETWORK_SYSTEMS = [networkManager, netplan, ifupdown, ifupdown2, networkd, ifcfg] as const

/** How a playbook names a system (`backend: 'netplan'`). */
export type SystemName = (typeof NETWORK_SYSTEMS)[number]['name']
export type RegisteredSystem = (typeof NETWORK_SYSTEMS)[number]

export const SYSTEM_NAMES: readonly SystemName[] = NETWORK_SYSTEMS.map((s) => s.name)

/** The registered system that keeps the wish's uplink on this host (src/network/choose.ts says how). */
export const systemFor = (w: BridgeWish, facts: NetworkFacts, choice: Choice = {}): RegisteredSystem => chooseSystem(NETWORK_SYSTEMS, facts, w.uplink, w.bridge, choice)
