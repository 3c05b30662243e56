/**
 * What a lab hands its users: an Ansible-compatible inventory, a known_hosts
 * with the hosts' real keys (so host-key checking stays strict), and an
 * ssh_config for plain `ssh -F`.
 */
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import type { HostPlan } from './addressing.ts'
import type { LabProfile } from './profiles.ts'
import { labPaths } from './state.ts'
import type { Lab } from './state.ts'

/** `profiles`: each host's profile, as the host var `lab_profile` (how it keeps its network; `none` when not given). */
export function inventoryYaml(lab: Lab, hosts: HostPlan[], profiles: Map<string, LabProfile> = new Map()): string {
  const { key, knownHosts } = labPaths(lab.dir)
  const inventory = {
    all: {
      children: {
        hypervisors: {
          hosts: Object.fromEntries(
            hosts.map((h) => [
              h.name,
              {
                ansible_host: h.address,
                ansible_user: 'root',
                ansible_ssh_private_key_file: key,
                lab_profile: profiles.get(h.name) ?? 'none',
              },
            ]),
          ),
          vars: {
            // Understood by ansible's ssh connection and by kvmplay alike.
            ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
            ansible_python_interpreter: '/usr/bin/python3',
          },
        },
      },
    },
  }
  return `# Written by \`kvmplay lab up\` for lab '${lab.name}' (${lab.net}.0.0/16). Works with kvmplay and ansible -i alike.\n${stringify(inventory)}`
}

export function knownHostsText(hosts: { address: string; key: string }[]): string {
  return hosts.map((h) => `${h.address} ${h.key}\n`).join('')
}

export function sshConfigText(lab: Lab, hosts: HostPlan[]): string {
  const { key, knownHosts } = labPaths(lab.dir)
  return hosts
    .map(
      (h) =>
        `Host ${h.name}\n  HostName ${h.address}\n  User root\n  IdentityFile ${key}\n  IdentitiesOnly yes\n` +
        `  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`,
    )
    .join('\n')
}

export function writeAccessFiles(lab: Lab, hosts: HostPlan[], keys: Map<string, string>, profiles?: Map<string, LabProfile>): void {
  const paths = labPaths(lab.dir)
  writeFileSync(paths.inventory, inventoryYaml(lab, hosts, profiles))
  writeFileSync(paths.knownHosts, knownHostsText(hosts.map((h) => ({ address: h.address, key: keys.get(h.name)! }))))
  writeFileSync(paths.sshConfig, sshConfigText(lab, hosts))
}
