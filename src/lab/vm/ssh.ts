/**
 * Reaching the VM's sshd from the controller: root with the lab's key, on the
 * forwarded port of 127.0.0.1, the host key checked strictly against the one
 * the image was built with (an alias, so the check does not depend on the port).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from '../sh.ts'

export const VM_HOST_ALIAS = 'kvmplay-vm'

export interface VmSshTarget {
  dir: string
  sshPort: number
  /** The lab's private key. */
  key: string
}

export const vmSshPaths = (dir: string) => ({ knownHosts: join(dir, 'known_hosts'), sshConfig: join(dir, 'ssh_config') })

/** known_hosts and an ssh_config (`ssh -F DIR/ssh_config kvmplay-vm`) for this boot. */
export function writeVmSshFiles(t: VmSshTarget, hostKey: string): void {
  const { knownHosts, sshConfig } = vmSshPaths(t.dir)
  writeFileSync(knownHosts, `${VM_HOST_ALIAS} ${hostKey}\n`, { mode: 0o600 })
  const config = [
    `Host ${VM_HOST_ALIAS}`,
    '  HostName 127.0.0.1',
    `  Port ${t.sshPort}`,
    '  User root',
    `  IdentityFile ${t.key}`,
    '  IdentitiesOnly yes',
    `  HostKeyAlias ${VM_HOST_ALIAS}`,
    `  UserKnownHostsFile ${knownHosts}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    // TCG is slow: the key exchange alone takes a while on a busy machine.
    '  ConnectTimeout 30',
    '',
  ].join('\n')
  writeFileSync(sshConfig, config, { mode: 0o600 })
}

/** Runs `command` as root in the VM (no stdin, a deadline); throws with its output when it fails. */
export async function onVm(t: VmSshTarget, command: string, timeout: `${number}s` = '120s'): Promise<string> {
  return (await $({ timeout })`ssh -n -F ${vmSshPaths(t.dir).sshConfig} ${VM_HOST_ALIAS} ${command}`).stdout
}
