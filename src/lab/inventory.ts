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
import { loginForHost, loginVars, ROOT_PORT } from './logins.ts'
import type { LabLogin } from './logins.ts'
import type { Lab } from './state.ts'

/** `profiles`: each host's profile, as the host var `lab_profile` (how it keeps its network; `none` when not given). */
/** How the lab is logged in to: the inventory's login per host (round-robin), and whether root may use port 22. */
export interface LabAccess {
  logins: readonly LabLogin[]
  rootOn22: boolean
}
const ROOT_ACCESS: LabAccess = { logins: ['root'], rootOn22: true }

export function inventoryYaml(lab: Lab, hosts: HostPlan[], profiles: Map<string, LabProfile> = new Map(), access: LabAccess = ROOT_ACCESS): string {
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
                ...loginVars(loginForHost(access.logins, h.index)),
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

/** Each key for port 22 and for root's own port (logins.ts), which ssh looks up as [address]:port. */
export function knownHostsText(hosts: { address: string; key: string }[]): string {
  return hosts.map((h) => `${h.address} ${h.key}\n[${h.address}]:${ROOT_PORT} ${h.key}\n`).join('')
}

/** For root: the lab's own way in (port 22, or root's port where --login closed 22 to root). */
export function sshConfigText(lab: Lab, hosts: HostPlan[], access: LabAccess = ROOT_ACCESS): string {
  const { key, knownHosts } = labPaths(lab.dir)
  return hosts
    .map(
      (h) =>
        `Host ${h.name}\n  HostName ${h.address}\n${access.rootOn22 ? '' : `  Port ${ROOT_PORT}\n`}  User root\n  IdentityFile ${key}\n  IdentitiesOnly yes\n` +
        `  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`,
    )
    .join('\n')
}

export function writeAccessFiles(lab: Lab, hosts: HostPlan[], keys: Map<string, string>, profiles?: Map<string, LabProfile>, access: LabAccess = ROOT_ACCESS): void {
  const paths = labPaths(lab.dir)
  writeFileSync(paths.inventory, inventoryYaml(lab, hosts, profiles, access))
  writeFileSync(paths.knownHosts, knownHostsText(hosts.map((h) => ({ address: h.address, key: keys.get(h.name)! }))))
  writeFileSync(paths.sshConfig, sshConfigText(lab, hosts, access))
}
