/**
 * kvmplay's public API for playbook authors:
 *
 * ```ts
 * import { playbook } from 'kvmplay'
 * import { enableIpForward } from 'kvmplay/tasks'
 * export default playbook({ name: 'forwarding', hosts: 'hypervisors', tasks: [enableIpForward()] })
 * ```
 */
import { playbook as untypedPlaybook } from './core/playbook.ts'
import type { Playbook as CorePlaybook, PlaybookSpec as CorePlaybookSpec } from './core/playbook.ts'
import type { PlaybookReservations } from './guests/reservations-spec.ts'
// The core does not know the reservations' shape (it is the guests' layer's): here, at the top, the author gets it.
export type PlaybookSpec = CorePlaybookSpec<PlaybookReservations>
export type Playbook = CorePlaybook<PlaybookReservations>
export const playbook: (spec: PlaybookSpec) => Playbook = untypedPlaybook
// Writing your own task: the task, its plan and steps, facts, resources, shell quoting.
export { defineTask, converged } from './core/task.ts'
export type { Task, TaskOptions, TaskSpec, FactRequests, Plan, Step, ConnectionStep, ReachStep, StepContext, HostReach, ConnectOptions, FileDiff, FileOriginal } from './core/task.ts'
export type { Host } from './core/host.ts'
export type { Connection, ExecResult, ExecOptions } from './connection/types.ts'
export type { Fact, FactRequest, FactValues } from './facts/fact.ts'
export { factRequest } from './facts/fact.ts'
export { resource } from './core/resource.ts'
export type { Resource } from './core/resource.ts'
export { commandStep, commandFailed, runChecked } from './core/step.ts'
export type { CommandStepOptions } from './core/step.ts'
export { sh, quote } from './core/quote.ts'
// A task that keeps a file gets the file task's atomic write, backup, rollback journal and diff.
export { fileWish, planFile, planFileAgainst } from '../tasks/file.ts'
export type { FileWish } from '../tasks/file.ts'
export { KvmplayError } from './core/errors.ts'
// A task's options checked as the built-in tasks' are: unknown keys named with the one meant, wrong kinds refused.
export * as shape from './core/shape.ts'
export { taskOptionFields } from './core/task-options-shape.ts'
export type { ErrorKind } from './core/errors.ts'
export { EXIT } from './core/exit-codes.ts'
// The built-in facts, for a task's `facts` or host.fact().
export { fileFact } from './facts/file.ts'
export type { FileState } from './facts/file.ts'
export { sysctlFact } from './facts/sysctl.ts'
export { pathExistsFact, commandSucceedsFact } from './facts/probe.ts'
export { hostNetworkFact, uplinkOf } from './facts/network.ts'
export type { HostNetwork, Link, Route, UplinkAddressing, LinkTool } from './facts/network.ts'
export type { Uplink, UplinkKind } from './network/uplink.ts'
export { libvirtFact } from './facts/libvirt.ts'
export type { LibvirtState, LibvirtNetwork, LibvirtDomain } from './facts/libvirt.ts'
export { ifcfgFilesFact } from './facts/ifcfg.ts'
export type { IfcfgFile } from './facts/ifcfg.ts'
export { osFact, packageManagerOf } from './facts/os.ts'
export type { OsRelease, PackageManager } from './facts/os.ts'
export { packagesFact } from './facts/packages.ts'
export type { PackagesState, PackageState } from './packages/read.ts'
export { unitFact } from './facts/systemd.ts'
export type { UnitState } from './facts/systemd.ts'
export { membershipFact } from './facts/accounts.ts'
export { kernelModuleFact } from './facts/kernel-module.ts'
export { storagePoolFact } from './facts/storage-pool.ts'
// The way back (playbooks/migrate-bridge-to-nat.play.ts): the migration report read back, `default` as it was.
export { readMigrationReport, parseMigrationReport, recordedNetwork, movedMacs } from './guests/read-report.ts'
export { recordedNetworkOptions, STOCK_DEFAULT } from './guests/recorded-network.ts'
export { flag, interfaceName, libvirtName } from './core/validate.ts'

// The migration report (the guests' NAT identity before a move, their address after), its section and its file.
export type { MigrationReport, GuestReport, NatIdentity, NatAssignment, RecordedNetwork, AfterSource } from './guests/types.ts'
export type { ReportSection, Contribution } from './core/section.ts'
export { guestsSection, parseReportFile } from './guests/report.ts'
export { natAddressesFact, neighboursFact, agentAddressesFact } from './facts/guests.ts'
