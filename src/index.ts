/**
 * kvmplay's public API for playbook authors:
 *
 * ```ts
 * import { playbook } from 'kvmplay'
 * import { enableIpForward } from 'kvmplay/tasks'
 * export default playbook({ name: 'forwarding', hosts: 'hypervisors', tasks: [enableIpForward()] })
 * ```
 */
export { playbook } from './core/playbook.ts'
export type { Playbook, PlaybookSpec } from './core/playbook.ts'
export { defineTask, converged } from './core/task.ts'
export type { Task, TaskOptions, TaskSpec, Plan, Step, FileDiff } from './core/task.ts'
export type { Host } from './core/host.ts'
export type { Fact, FactRequest } from './facts/fact.ts'
export { factRequest } from './facts/fact.ts'
export { commandStep, runChecked } from './core/step.ts'
export { sh, quote } from './core/quote.ts'
export { KvmplayError } from './core/errors.ts'
export type { ErrorKind } from './core/errors.ts'
export { EXIT } from './core/exit-codes.ts'
export { fileFact } from './facts/file.ts'
export { sysctlFact } from './facts/sysctl.ts'
export { hostNetworkFact, uplinkOf } from './facts/network.ts'
export type { HostNetwork, Link, Route, Uplink } from './facts/network.ts'
export { libvirtFact } from './facts/libvirt.ts'
export type { LibvirtState, LibvirtNetwork, LibvirtDomain } from './facts/libvirt.ts'
export { ifcfgFilesFact } from './facts/ifcfg.ts'
