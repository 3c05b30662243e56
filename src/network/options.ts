/**
 * What a playbook gives a bridge task (persistBridge, applyBridge and their
 * way back), checked before any host is contacted. The wish on a host is
 * wish.ts's; the system names are the registry's (systems/index.ts).
 */
import type { TaskOptions } from '../core/task.ts'
import { absolutePath, interfaceName, ipv4, mac, netmaskToPrefix, prefixLength } from '../core/validate.ts'
import { KvmplayError } from '../core/errors.ts'
import { probeOf } from './probes.ts'
import type { ProbeSpec } from './probes.ts'
import { SYSTEM_NAMES } from './systems/index.ts'
import type { SystemName } from './systems/index.ts'
import type { WishOptions } from './wish.ts'
import { boolean, checkOptions, listOf, literal, number, object, oneOf, required, string } from '../core/shape.ts'
import { taskOptionFields } from '../core/task-options-shape.ts'

export interface BridgeOptions extends TaskOptions, WishOptions {
  /** applyBridge: seconds the host waits for kvmplay to come back and confirm before it rolls back by itself. Default 60. */
  confirmTimeout?: number
  /**
   * applyBridge: what must hold on the host after the change, before it is confirmed: shell
   * commands (exit 0: holds; 127: cannot run here), or `{ command, name, optional, precondition }`.
   * Each is checked before the change too (a condition false then fails the task with nothing
   * changed) unless `precondition: false`; one that cannot run fails unless `optional: true`.
   */
  probes?: ProbeSpec[]
  /**
   * applyBridge: which files the rollback puts back, besides the links and routes. 'bridge' (the
   * default): the bridge's own persisted configuration (for ifcfg: ifcfg-BRIDGE and ifcfg-DEVICE),
   * where this run changed it. 'run': every file this run changed before the apply, whichever task
   * wrote it. A list: these paths, where this run changed them.
   */
  rollbackFiles?: 'bridge' | 'run' | string[]
  /**
   * The system that keeps the host's network, when kvmplay should not tell it from the host:
   * a name of the registry (src/network/systems/index.ts). A named system must run on the host.
   */
  backend?: SystemName
  /**
   * A bridge on the running host only, persisted nowhere: it is gone at the next boot. For hosts
   * whose network no system that kvmplay knows keeps (kvmplay refuses them otherwise, since a bridge
   * written where nothing reads it vanishes at the next boot with every guest moved onto it).
   * Refused where a system keeps the uplink: it would take the uplink back.
   */
  untilReboot?: boolean
}

/** The inventory's way to name a host's system, for hosts kvmplay cannot tell (as ansible_* vars say how to reach one). */
export const BACKEND_VAR = 'network_backend'

/** The system a host's inventory names (network_backend), checked against the registry. */
export function backendOfHost(vars: Readonly<Record<string, unknown>>, host: string): SystemName | undefined {
  const v = vars[BACKEND_VAR]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !SYSTEM_NAMES.includes(v as SystemName)) {
    throw new KvmplayError('validation', `${host}: invalid ${BACKEND_VAR} ${JSON.stringify(v)} in the inventory: expected ${SYSTEM_NAMES.join(', ')}`)
  }
  return v as SystemName
}

/** What the bridge tasks take (shape.ts): every key, and the kind of its value. */
export const bridgeShape = object<BridgeOptions>({
  ...taskOptionFields,
  bridge: required(string),
  device: string,
  bootproto: literal('static', 'dhcp'),
  address: string,
  prefix: number,
  netmask: oneOf(string, literal(true)),
  gateway: string,
  dns: listOf(string),
  hwaddr: string,
  stp: boolean,
  delay: number,
  nmControlled: boolean,
  confirmTimeout: number,
  probes: listOf(oneOf(string, object<Exclude<ProbeSpec, string>>({ command: required(string), name: string, optional: boolean, precondition: boolean }))),
  rollbackFiles: oneOf(literal('bridge', 'run'), listOf(string)),
  backend: literal(...SYSTEM_NAMES),
  untilReboot: boolean,
})

/** Checks what can be checked before any host is contacted: the shape, then the values; `task` names the task in messages. */
export function validateBridgeOptions(o: BridgeOptions, task = 'persistBridge'): void {
  checkOptions(task, o, bridgeShape)
  interfaceName(o.bridge, 'bridge name')
  if (o.device !== undefined) interfaceName(o.device, 'device')
  if (o.address !== undefined) ipv4(o.address, 'address')
  if (o.prefix !== undefined) prefixLength(o.prefix)
  if (typeof o.netmask === 'string') netmaskToPrefix(o.netmask)
  if (o.gateway !== undefined) ipv4(o.gateway, 'gateway')
  for (const d of o.dns ?? []) ipv4(d, 'DNS server')
  if (o.hwaddr !== undefined) mac(o.hwaddr, 'HWADDR')
  for (const p of o.probes ?? []) probeOf(p)
  if (o.delay !== undefined && (!Number.isInteger(o.delay) || o.delay < 0 || o.delay > 30)) {
    throw new KvmplayError('validation', `invalid delay ${JSON.stringify(o.delay)}: expected whole seconds from 0 to 30`)
  }
  if (o.device !== undefined && o.device === o.bridge) throw new KvmplayError('validation', `the bridge and its port cannot both be ${o.bridge}`)
  if (Array.isArray(o.rollbackFiles)) o.rollbackFiles.forEach((p) => absolutePath(p, 'rollbackFiles'))
  if (o.untilReboot && o.backend !== undefined) {
    throw new KvmplayError('validation', `backend ${o.backend} and untilReboot together: a named system persists the bridge; give one of them`)
  }
}
