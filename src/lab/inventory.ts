/**
 * What a lab hands its users: an Ansible-compatible inventory, a known_hosts
 * with the hosts' real keys (so host-key checking stays strict), and an
 * ssh_config for plain `ssh -F`. Behind jump hosts (bastion.ts) the
 * ssh_config says how to get there (ProxyJump), and the inventory only
 * names the hosts and hands ssh that file (`-F`), so OpenSSH, Ansible and
 * kvmplay all reach them the same way. The inventory logs in as --login
 * says (logins.ts); the ssh_config is root's own way in, for checking hosts.
 */
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import type { HostPlan } from './addressing.ts'
import type { BastionPlan } from './bastion.ts'
import type { LabProfile } from './profiles.ts'
import { configuredFromOutside } from './profiles.ts'
import { BACKEND_VAR } from '../network/options.ts'
import { labPaths } from './state.ts'
import { loginForHost, loginVars, ROOT_PORT } from './logins.ts'
import type { LabLogin } from './logins.ts'
import type { Lab } from './state.ts'

/** How the lab is reached: the inventory's login per host (round-robin), whether root may use port 22, the jump hosts in front. */
export interface LabAccess {
  logins: readonly LabLogin[]
  rootOn22: boolean
  bastions?: BastionPlan[]
}
const ROOT_ACCESS: LabAccess = { logins: ['root'], rootOn22: true }

/** `profiles`: each host's profile, as the host var `lab_profile` (how it keeps its network; `none` when not given). */
export function inventoryYaml(lab: Lab, hosts: HostPlan[], profiles: Map<string, LabProfile> = new Map(), access: LabAccess = ROOT_ACCESS): string {
  const { key, knownHosts, sshConfig } = labPaths(lab.dir)
  const behind = (access.bastions ?? []).length > 0
  const inventory = {
    all: {
      children: {
        hypervisors: {
          hosts: Object.fromEntries(
            hosts.map((h) => {
              const login = loginForHost(access.logins, h.index)
              return [
                h.name,
                {
                  // Behind a bastion the ssh_config maps the name to its address and route.
                  ...(behind ? {} : { ansible_host: h.address }),
                  ...loginVars(login),
                  // Where port 22 is closed to root, root has its own port (the ssh_config says so behind a bastion); a login user keeps 22.
                  ...(!access.rootOn22 && login === 'root' && !behind ? { ansible_port: ROOT_PORT } : {}),
                  ...(!access.rootOn22 && login !== 'root' && behind ? { ansible_port: 22 } : {}),
                  ansible_ssh_private_key_file: key,
                  lab_profile: profiles.get(h.name) ?? 'none',
                  // A `none` host has the seed's ifcfg files but no system that reads them: kvmplay refuses to
                  // bridge such a host unless told which system keeps it — here the inventory says so, as a
                  // user of such a fleet would (docs/network-systems.md, "No bridge that vanishes at the next boot").
                  ...(configuredFromOutside(profiles.get(h.name) ?? 'none') ? { [BACKEND_VAR]: 'ifcfg' } : {}),
                },
              ]
            }),
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

/** Each host's keys (all its types, as ssh-keyscan gives them) for port 22 and for root's own port (logins.ts), which ssh looks up as [address]:port. */
export function knownHostsText(hosts: { address: string; keys: string[] }[]): string {
  return hosts.map((h) => [h.address, `[${h.address}]:${ROOT_PORT}`].flatMap((at) => h.keys.map((key) => `${at} ${key}\n`)).join('')).join('')
}

/**
 * For root: one Host block a host (port 22, or root's port where --login closed 22 to root)
 * and, behind jump hosts, each bastion (root on 22): the previous one its ProxyJump, the last one the hosts'.
 */
export function sshConfigText(lab: Lab, hosts: HostPlan[], access: LabAccess = ROOT_ACCESS): string {
  const { key, knownHosts } = labPaths(lab.dir)
  const bastions = access.bastions ?? []
  const block = (name: string, address: string, port: number | undefined, jump?: string) =>
    `Host ${name}\n  HostName ${address}\n${port ? `  Port ${port}\n` : ''}${jump ? `  ProxyJump ${jump}\n` : ''}  User root\n  IdentityFile ${key}\n  IdentitiesOnly yes\n` +
    `  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`
  const last = bastions[bastions.length - 1]?.name
  return [
    ...bastions.map((b, i) => block(b.name, b.address, undefined, bastions[i - 1]?.name)),
    ...hosts.map((h) => block(h.name, h.address, access.rootOn22 ? undefined : ROOT_PORT, last)),
  ].join('\n')
}

/** `keys`: each host's and bastion's host keys, by name. */
export function writeAccessFiles(lab: Lab, hosts: HostPlan[], keys: Map<string, string[]>, profiles?: Map<string, LabProfile>, access: LabAccess = ROOT_ACCESS): void {
  const paths = labPaths(lab.dir)
  writeFileSync(paths.inventory, inventoryYaml(lab, hosts, profiles, access))
  writeFileSync(paths.knownHosts, knownHostsText([...(access.bastions ?? []), ...hosts].map((h) => ({ address: h.address, keys: keys.get(h.name)! }))))
  writeFileSync(paths.sshConfig, sshConfigText(lab, hosts, access))
}
