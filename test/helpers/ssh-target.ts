/** An SshTarget for tests that build one by hand: a direct login to 127.0.0.1, nothing from any ssh_config. */
import type { SshTarget } from '../../src/connection/target.ts'

export const sshTarget = (over: Partial<SshTarget> = {}): SshTarget => ({
  kind: 'ssh',
  host: 'h1',
  address: '127.0.0.1',
  port: 22,
  user: 'root',
  identityFiles: [],
  identitiesOnly: false,
  knownHostsFiles: [],
  acceptNewHostKeys: false,
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 10_000,
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
  jumps: [],
  ...over,
})
