/** kvmplay's tasks: `import { file, template, sysctl, enableIpForward, command } from 'kvmplay/tasks'`. */
export { file } from './file.ts'
export type { FileOptions } from './file.ts'
export { template } from './template.ts'
export type { TemplateOptions } from './template.ts'
export { sysctl, enableIpForward } from './sysctl.ts'
export type { SysctlOptions } from './sysctl.ts'
export { command } from './command.ts'
export type { CommandOptions } from './command.ts'
