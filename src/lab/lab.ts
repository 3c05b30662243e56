/**
 * The lab as a whole: `up N` converges the fleet to exactly h1..hN (keeping
 * healthy hosts, rebuilding broken ones, removing extra ones), `down` removes
 * everything, `status` reports each host.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import pLimit from 'p-limit'
import { $ } from './sh.ts'
import { hostPlan, hostIndex, validateHostCount } from './addressing.ts'
import type { HostPlan } from './addressing.ts'
import { buildBase } from './base.ts'
import { createLabHost, hostDown, hostKey, hostStatus, powerOff } from './host.ts'
import type { HostStatus } from './host.ts'
import { writeAccessFiles } from './inventory.ts'
import { preflight } from './preflight.ts'
import { labPaths, readRecord, resolveLab, writeRecord } from './state.ts'
import type { Lab, LabOptions } from './state.ts'

export interface UpResult {
  lab: Lab
  hosts: { name: string; action: 'kept' | 'created' | 'rebuilt' }[]
  removed: string[]
  inventory: string
  knownHosts: string
  sshConfig: string
  seconds: number
}

/** Booting is CPU-bound (libvirtd, iptables, dnsmasq, qemu): a little over the core count keeps both busy. */
const bootParallelism = () => Math.max(2, cpus().length * 2)

/**
 * Two labs on the same /16 (say the tests' and the benchmark's) would route
 * each other's hosts: refuse, naming the interface that already holds an address.
 */
async function refuseForeignAddresses(lab: Lab, count: number): Promise<void> {
  const links = JSON.parse((await $`ip -j -4 addr show`).stdout) as { ifname: string; addr_info: { local: string }[] }[]
  for (let i = 1; i <= count; i++) {
    const host = hostPlan(lab, i)
    const other = links.find((l) => l.ifname !== host.vethRoot && l.addr_info.some((a) => a.local === host.gateway))
    if (other) {
      throw new Error(
        `invalid lab network: ${host.gateway} (the gateway of ${host.name}) is already on ${other.ifname}, probably another lab on ${lab.net}.0.0/16: bring it down (kvmplay lab down --name …) or use --net`,
      )
    }
  }
}

/** Host names this lab has anything of: directories, namespaces, the record. */
async function knownHostIndexes(lab: Lab): Promise<number[]> {
  const found = new Set<number>()
  const hostsDir = labPaths(lab.dir).hosts
  if (existsSync(hostsDir)) for (const name of readdirSync(hostsDir)) found.add(hostIndex(name) ?? 0)
  const prefix = `kvmplay-${lab.name}-`
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : []
  for (const ns of netns) if (ns.startsWith(prefix)) found.add(hostIndex(ns.slice(prefix.length)) ?? 0)
  const record = readRecord(lab.dir)
  for (let i = 1; i <= (record?.hosts ?? 0); i++) found.add(i)
  found.delete(0)
  return [...found].sort((a, b) => a - b)
}

export async function labUp(count: number, opts: LabOptions = {}, log: (line: string) => void = () => {}): Promise<UpResult> {
  preflight()
  validateHostCount(count)
  const lab = resolveLab(opts)
  await refuseForeignAddresses(lab, count)
  const started = performance.now()
  writeRecord(lab, Math.max(count, readRecord(lab.dir)?.hosts ?? 0))
  await buildBase(lab)

  const removed: string[] = []
  for (const index of await knownHostIndexes(lab)) {
    if (index > count) {
      const host = hostPlan(lab, index)
      await hostDown(lab, host)
      removed.push(host.name)
      log(`${host.name}: removed`)
    }
  }
  writeRecord(lab, count)

  const limit = pLimit(bootParallelism())
  const plans = Array.from({ length: count }, (_, i) => hostPlan(lab, i + 1))
  const hosts = await Promise.all(
    plans.map((host) =>
      limit(async () => {
        const before = await hostStatus(lab, host)
        if (before.state === 'running') return { name: host.name, action: 'kept' as const }
        if (before.state !== 'down') await hostDown(lab, host)
        await createLabHost(lab, host)
        const action = before.state === 'down' ? ('created' as const) : ('rebuilt' as const)
        log(`${host.name}: ${action} (${host.address})`)
        return { name: host.name, action }
      }),
    ),
  )

  const keys = new Map(plans.map((h) => [h.name, hostKey(lab, h)]))
  writeAccessFiles(lab, plans, keys)
  const paths = labPaths(lab.dir)
  return {
    lab,
    hosts,
    removed,
    inventory: paths.inventory,
    knownHosts: paths.knownHosts,
    sshConfig: paths.sshConfig,
    seconds: (performance.now() - started) / 1000,
  }
}

export async function labDown(opts: LabOptions = {}, log: (line: string) => void = () => {}): Promise<{ lab: Lab; removed: string[] }> {
  preflight()
  const lab = resolveLab(opts)
  const indexes = await knownHostIndexes(lab)
  const limit = pLimit(8)
  await Promise.all(
    indexes.map((index) =>
      limit(async () => {
        const host = hostPlan(lab, index)
        await hostDown(lab, host)
        log(`${host.name}: removed`)
      }),
    ),
  )
  rmSync(lab.dir, { recursive: true, force: true })
  return { lab, removed: indexes.map((i) => `h${i}`) }
}

export async function labStatus(opts: LabOptions = {}): Promise<{ lab: Lab; hosts: HostStatus[] }> {
  const lab = resolveLab(opts)
  const hosts = await Promise.all((await knownHostIndexes(lab)).map((i) => hostStatus(lab, hostPlan(lab, i))))
  return { lab, hosts }
}

/** Powers hosts off as a crash would (for tests of unreachable hosts); `up` brings them back. */
export async function labStop(names: string[], opts: LabOptions = {}): Promise<void> {
  for (const name of names) {
    const { lab, host } = await labHost(name, opts)
    await powerOff(lab, host)
  }
}

/** The plan of a host that the lab has, or an error listing the ones it has. */
export async function labHost(name: string, opts: LabOptions = {}): Promise<{ lab: Lab; host: HostPlan }> {
  const lab = resolveLab(opts)
  const index = hostIndex(name)
  const known = await knownHostIndexes(lab)
  if (index === undefined || !known.includes(index)) {
    const list = known.map((i) => `h${i}`).join(', ') || 'none: run `kvmplay lab up N` first'
    throw new Error(`lab '${lab.name}' has no host '${name}' (hosts: ${list})`)
  }
  return { lab, host: hostPlan(lab, index) }
}

/** Argument list for the system ssh client to reach a lab host with strict host-key checking. */
export function sshArgs(lab: Lab, host: HostPlan, command: string[] = []): string[] {
  return ['-F', labPaths(lab.dir).sshConfig, host.name, ...command]
}

