/**
 * What a lab hands its users: an Ansible-compatible inventory, a known_hosts
 * with the hosts' real keys (so host-key checking stays strict), and an
 * ssh_config for plain `ssh -F`. Behind jump hosts (bastion.ts) the
 * ssh_config says how to get there (ProxyJump), and the inventory only
 * names the hosts and hands ssh that file (`-F`), so OpenSSH, Ansible and
 * kvmplay all reach them the same way.
 */
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import type { HostPlan } from './addressing.ts'
import type { BastionPlan } from './bastion.ts'
import type { LabProfile } from './profiles.ts'
import { labPaths } from './state.ts'
import type { Lab } from './state.ts'

/** `profiles`: each host's profile, as the host var `lab_profile` (how it keeps its network; `none` when not given). */
export function inventoryYaml(lab: Lab, hosts: HostPlan[], profiles: Map<string, LabProfile> = new Map(), bastions: BastionPlan[] = []): string {
  const { key, knownHosts, sshConfig } = labPaths(lab.dir)
  const behind = bastions.length > 0
  const inventory = {
    all: {
      children: {
        hypervisors: {
          hosts: Object.fromEntries(
            hosts.map((h) => [
              h.name,
              {
                // Behind a bastion the ssh_config maps the name to its address and route.
                ...(behind ? {} : { ansible_host: h.address }),
                ansible_user: 'root',
                ansible_ssh_private_key_file: key,
                lab_profile: profiles.get(h.name) ?? 'none',
              },
            ]),
          ),
          vars: {
            // Understood by ansible's ssh connection and by kvmplay alike.
            ansible_ssh_common_args: behind ? `-F ${sshConfig}` : `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
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

/** One Host block a host (and, behind jump hosts, each bastion: the previous one its ProxyJump, the last one the hosts'). */
export function sshConfigText(lab: Lab, hosts: HostPlan[], bastions: BastionPlan[] = []): string {
  const { key, knownHosts } = labPaths(lab.dir)
  const block = (name: string, address: string, jump?: string) =>
    `Host ${name}\n  HostName ${address}\n${jump ? `  ProxyJump ${jump}\n` : ''}  User root\n  IdentityFile ${key}\n  IdentitiesOnly yes\n` +
    `  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`
  const last = bastions[bastions.length - 1]?.name
  return [...bastions.map((b, i) => block(b.name, b.address, bastions[i - 1]?.name)), ...hosts.map((h) => block(h.name, h.address, last))].join('\n')
}

/** `keys`: each host's and bastion's host key, by name. */
export function writeAccessFiles(lab: Lab, hosts: HostPlan[], keys: Map<string, string>, profiles?: Map<string, LabProfile>, bastions: BastionPlan[] = []): void {
  const paths = labPaths(lab.dir)
  writeFileSync(paths.inventory, inventoryYaml(lab, hosts, profiles, bastions))
  writeFileSync(paths.knownHosts, knownHostsText([...bastions, ...hosts].map((h) => ({ address: h.address, key: keys.get(h.name)! }))))
  writeFileSync(paths.sshConfig, sshConfigText(lab, hosts, bastions))
}
