/** Opens the right kind of connection for a target. */
import { connectLocal } from './local.ts'
import { connectSsh } from './ssh.ts'
import type { Target } from './target.ts'
import type { Connection } from './types.ts'

export async function connect(target: Target): Promise<Connection> {
  return target.kind === 'local' ? connectLocal(target) : connectSsh(target)
}

export type { Connection, ExecOptions, ExecResult } from './types.ts'
export { targetFromVars } from './target.ts'
export type { Target, ConnectionDefaults } from './target.ts'
