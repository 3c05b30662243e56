/**
 * A lab behind jump hosts (`lab up N --jump 1|2`): bastions j1 (and j2) in
 * namespaces of their own, each an sshd only (its own host key, root with
 * the lab key, sshd's default MaxStartups), chained: the machine reaches j1
 * over a /30 of the lab's 0.0/24, j1 reaches j2 over the next /30, and the
 * last bastion holds the hosts' gateways — the hosts' veths end in its
 * namespace, not the machine's. Nothing routes the hosts' subnets from the
 * machine: the lab's /16 is an `unreachable` route there, so a direct
 * attempt fails at once instead of leaving the machine. Bastions forward
 * nothing (ip_forward stays 0): only sshd's own connections get through.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { $ } from './sh.ts'
import { writeIfChanged } from './files.ts'
import { hostPaths, readRecord } from './state.ts'
import type { Lab } from './state.ts'
import { bootNamespace, netnsPids, powerOff } from './host.ts'

export const MAX_JUMPS = 2

export interface BastionPlan {
  index: number
  name: string
  netns: string
  /** The namespace holding the outer end of its uplink: the machine's (undefined) for j1, the previous bastion's after. */
  outerNs?: string
  /** The outer end of its uplink. */
  outerLink: string
  address: string
  /** The outer end's address: where it is reached from. */
  outerAddress: string
}

export function validateJumps(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_JUMPS) throw new Error(`invalid --jump ${n}: a lab has 0 (hosts reached directly), 1 or ${MAX_JUMPS} jump hosts in a chain`)
  return n
}

export function bastionPlan(lab: Lab, index: number): BastionPlan {
  const name = `j${index}`
  return {
    index,
    name,
    netns: `kvmplay-${lab.name}-${name}`,
    outerNs: index === 1 ? undefined : `kvmplay-${lab.name}-j${index - 1}`,
    outerLink: `kv${lab.name}-${name}`,
    // j1: 0.0/30 (machine .1, j1 .2); j2: 0.4/30 (j1 .5, j2 .6).
    outerAddress: `${lab.net}.0.${4 * (index - 1) + 1}`,
    address: `${lab.net}.0.${4 * (index - 1) + 2}`,
  }
}

/** The bastions of a lab brought up with --jump, first hop first. */
export const bastionsOf = (lab: Lab, jumps = readRecord(lab.dir)?.jumps ?? 0) => Array.from({ length: jumps }, (_, i) => bastionPlan(lab, i + 1))

/** The namespace the hosts' veths end in: the last bastion's, or the machine's (undefined). */
export function hostsOuterNs(lab: Lab): string | undefined {
  const b = bastionsOf(lab)
  return b.length ? b[b.length - 1].netns : undefined
}

const ipIn = (ns: string | undefined) => (ns ? ['-n', ns] : [])

/** Whether a link exists in a namespace (the machine's when undefined). */
export async function linkIn(ns: string | undefined, name: string): Promise<boolean> {
  if (!ns) return existsSync(`/sys/class/net/${name}`)
  if (!existsSync(`/run/netns/${ns}`)) return false
  return (await $({ nothrow: true })`ip -n ${ns} link show ${name}`).exitCode === 0
}

/** The lab's /16 is unreachable from the machine while its hosts sit behind a bastion (more specific routes still win). */
export async function fenceLabNet(lab: Lab, on: boolean): Promise<void> {
  const net = `${lab.net}.0.0/16`
  const has = (await $`ip -4 route show type unreachable ${net}`).stdout.trim() !== ''
  if (on && !has) await $`ip route add unreachable ${net}`
  if (!on && has) await $`ip route del unreachable ${net}`
}

/** A bastion's own sshd: as the hosts' but for sshd's default MaxStartups (10:30:100), and forwarding allowed (the default, spelled out). */
const BASTION_SSHD = `# sshd of a lab bastion: root logs in with the lab key only; MaxStartups is sshd's default.
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
AllowTcpForwarding yes
`

async function writeBastionLayer(lab: Lab, b: BastionPlan): Promise<void> {
  const etc = join(hostPaths(lab.dir, b.name).upper, 'etc')
  writeIfChanged(join(etc, 'hostname'), `${b.name}\n`)
  writeIfChanged(join(etc, 'hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${b.name}\n`)
  writeIfChanged(join(etc, 'resolv.conf'), `nameserver ${b.outerAddress}\n`)
  writeIfChanged(join(etc, 'ssh/sshd_config'), BASTION_SSHD)
  const key = join(etc, 'ssh/ssh_host_ed25519_key')
  if (!existsSync(key)) {
    mkdirSync(dirname(key), { recursive: true })
    await $`ssh-keygen -q -t ed25519 -N ${''} -C ${`root@${b.name}`} -f ${key}`
  }
}

/** Whether the bastion runs: its namespace, its outer link, its sshd. */
export async function bastionRunning(lab: Lab, b: BastionPlan): Promise<boolean> {
  return (await linkIn(b.outerNs, b.outerLink)) && (await netnsPids(b.netns)).length > 0 && existsSync(join(hostPaths(lab.dir, b.name).root, 'boot.status'))
}

export async function bastionDown(lab: Lab, b: BastionPlan): Promise<void> {
  await powerOff(lab, b)
  if (existsSync(`/run/netns/${b.netns}`)) await $`ip netns del ${b.netns}`
  if (await linkIn(b.outerNs, b.outerLink)) await $({ nothrow: true })`ip ${ipIn(b.outerNs)} link del ${b.outerLink}`
  rmSync(hostPaths(lab.dir, b.name).root, { recursive: true, force: true })
}

/** Builds and boots a bastion from nothing (callers take the old one down first). */
export async function bastionUp(lab: Lab, b: BastionPlan): Promise<void> {
  rmSync(hostPaths(lab.dir, b.name).root, { recursive: true, force: true })
  await writeBastionLayer(lab, b)
  await $`ip netns add ${b.netns}`
  await $`ip ${ipIn(b.outerNs)} link add ${b.outerLink} type veth peer name eth0 netns ${b.netns}`
  await $`ip ${ipIn(b.outerNs)} addr add ${b.outerAddress}/30 dev ${b.outerLink}`
  await $`ip ${ipIn(b.outerNs)} link set ${b.outerLink} up`
  await $({ input: `link set lo up\naddr add ${b.address}/30 dev eth0\nlink set eth0 up\n` })`ip -n ${b.netns} -batch -`
  await bootNamespace(lab, b.name, b.netns, 'bastion')
}
