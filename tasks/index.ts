/**
 * kvmplay's tasks: `import { file, template, sysctl, enableIpForward, command } from 'kvmplay/tasks'`.
 * First names kept as aliases: writeIfcfg (persistBridge), applyIfcfg (applyBridge), destroyDefaultNet (destroyNetwork).
 */
export { file } from './file.ts'
export type { FileOptions } from './file.ts'
export { template } from './template.ts'
export type { TemplateOptions } from './template.ts'
export { sysctl, enableIpForward } from './sysctl.ts'
export type { SysctlOptions } from './sysctl.ts'
export { command } from './command.ts'
export type { CommandOptions } from './command.ts'
export { persistBridge, writeIfcfg, applyBridge, applyIfcfg } from './bridge.ts'
export type { BridgeOptions } from './bridge.ts'
export type { ProbeSpec } from '../src/network/probes.ts'
export { defineNetwork } from './define-network.ts'
export type { DefineNetworkOptions } from './define-network.ts'
export { editDomainInterface } from './domain-interface.ts'
export type { EditDomainInterfaceOptions, RestartPolicy } from './domain-interface.ts'
export { destroyNetwork, destroyDefaultNet } from './destroy-network.ts'
export type { DestroyNetworkOptions } from './destroy-network.ts'
export { persistBridgeRemoval, removeBridge } from './unbridge.ts'
export { recordGuests } from './guests.ts'
export type { RecordGuestsOptions } from './guests.ts'
