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
import { baseIsCurrent, buildBase, removeBase } from './base.ts'
import { stockLibvirtTree } from './stock.ts'
import { bootLabHost, failedUnits, prepareLabHost, hostDown, hostKeys, hostStatus, netnsPids, powerOff, rebootHost } from './host.ts'
import type { HostStatus } from './host.ts'
import { writeAccessFiles } from './inventory.ts'
import { parseLogins } from './logins.ts'
import { preflight } from './preflight.ts'
import { buildBareLayer } from './bare.ts'
import { bareRoot } from './bare-root.ts'
import { DEFAULT_PROFILE, isBare, networkSystem, parseProfiles, profileForHost, validateDhcp } from './profiles.ts'
import { ifupdown2Tree } from './ifupdown2.ts'
import { dhcpPaths, dhcpServerPid, startDhcpServer, stopDhcpServer } from './dhcp.ts'
import type { LabProfile } from './profiles.ts'
import { parseGuests } from './guests.ts'
import { recordChoices, recordedChoices, sameChoices } from './choices.ts'
import type { HostChoices } from './choices.ts'
import { labPaths, readRecord, resolveLab, writeRecord } from './state.ts'
import { reloadSshd } from './sshd-reload.ts'
import { bastionDown, bastionRunning, bastionUp, bastionsOf, fenceLabNet, validateJumps } from './bastion.ts'
import type { Lab, LabOptions } from './state.ts'

export interface UpResult {
  lab: Lab
  hosts: { name: string; profile: LabProfile; action: 'kept' | 'created' | 'rebuilt' }[]
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

/** The profile each host was built with, as the lab's record has it (`none` for hosts from before profiles). */
export const recordedProfile = (lab: Lab, name: string): LabProfile => recordedChoices(lab, name).profile

/**
 * The lab's dnsmasq for its DHCP hosts and, as the LAN's server, for the
 * guests of hosts with stand-ins (their veths exist), restarted so it binds
 * to exactly those; stopped if there are none. Behind jump hosts the veths
 * are not the machine's: those guests find no LAN server.
 */
async function convergeDhcpServer(lab: Lab, plans: HostPlan[]): Promise<void> {
  const dhcpHosts = plans.filter((h) => recordedChoices(lab, h.name).dhcp)
  const lanHosts = (readRecord(lab.dir)?.jumps ?? 0) > 0 ? [] : plans.filter((h) => recordedChoices(lab, h.name).guests.length > 0)
  if (dhcpHosts.length === 0 && lanHosts.length === 0) await stopDhcpServer(lab.dir)
  else await startDhcpServer(lab.dir, dhcpHosts, lanHosts)
}

/**
 * The jump hosts in front of the hosts, as `jumps` says: a change of
 * topology takes every host down (its uplink ends elsewhere now) and the
 * bastions of the old one; a bastion that is not running is rebuilt (and
 * the hosts behind it, whose uplinks went with it, by the host loop after).
 */
async function convergeBastions(lab: Lab, jumps: number, log: (line: string) => void): Promise<void> {
  const before = readRecord(lab.dir)?.jumps ?? 0
  if (before !== jumps) {
    for (const index of await knownHostIndexes(lab)) await hostDown(lab, hostPlan(lab, index))
    for (const b of bastionsOf(lab, before).reverse()) await bastionDown(lab, b)
    writeRecord(lab, readRecord(lab.dir)?.hosts ?? 0, { jumps })
  }
  for (const b of bastionsOf(lab, jumps)) {
    if (await bastionRunning(lab, b)) continue
    await bastionDown(lab, b)
    await bastionUp(lab, b)
    log(`${b.name}: jump host (${b.address}${b.outerNs ? `, behind ${b.outerNs.split('-').pop()}` : ''})`)
  }
  await fenceLabNet(lab, jumps > 0)
}

/**
 * Cheap hosts (`--cheap`, kept from the last up like the other choices) are
 * sshd and files only, for scale runs: none of the choices that need more of
 * a host go with them. A change of kind takes every host down first, with
 * the addresses it had (a cheap lab packs them into /30s).
 */
async function convergeCheap(opts: LabOptions, log: (line: string) => void): Promise<Lab> {
  const before = resolveLab(opts)
  const cheap = opts.cheap ?? before.cheap ?? false
  if (cheap) {
    const extra = [
      opts.profile !== undefined && parseProfiles(opts.profile).some((p) => p !== 'none') && `--profile ${opts.profile} (cheap hosts are configured from outside, as none)`,
      opts.dhcp && '--dhcp',
      opts.jump && `--jump ${opts.jump}`,
      opts.guests !== undefined && parseGuests(opts.guests).length > 0 && `--guests ${opts.guests}`,
      opts.runningGuests === false && '--no-running-guests',
    ].filter(Boolean)
    if (extra.length) throw new Error(`invalid ${extra.join(', ')} with --cheap: cheap hosts are sshd and files only (no libvirtd, no guests, no network system of their own); drop --cheap for a full host`)
  }
  if ((before.cheap ?? false) === cheap) return before
  for (const index of await knownHostIndexes(before)) {
    await hostDown(before, hostPlan(before, index))
    recordChoices(before, `h${index}`, undefined)
  }
  if (readRecord(before.dir)) log(`lab '${before.name}': hosts are ${cheap ? 'cheap (sshd and files only)' : 'full (libvirtd and guests)'} now; every host is rebuilt`)
  // The choices new hosts take from the record start over with the kind (every host is down now).
  writeRecord(before, 0, { cheap, ...(cheap ? { profiles: ['none'], dhcp: false, guests: [], runningGuests: true } : {}) })
  const { cheap: _, ...identity } = before
  return cheap ? { ...identity, cheap: true } : identity
}

/**
 * A base layer built by an older kvmplay (its own sshd_config and
 * libvirtd.conf) cannot change under running hosts: they go down with it,
 * and every host and jump host is built again on the new one.
 */
async function convergeBase(lab: Lab, log: (line: string) => void): Promise<void> {
  if (baseIsCurrent(lab)) return
  for (const index of await knownHostIndexes(lab)) {
    await hostDown(lab, hostPlan(lab, index))
    recordChoices(lab, `h${index}`, undefined)
  }
  for (const b of bastionsOf(lab).reverse()) await bastionDown(lab, b)
  removeBase(lab)
  log(`lab '${lab.name}': its hosts were built on an older base layer (kvmplay's own sshd_config and libvirtd.conf); every host is rebuilt on Debian's`)
}

export async function labUp(count: number, opts: LabOptions = {}, log: (line: string) => void = () => {}): Promise<UpResult> {
  validateHostCount(count, opts.cheap ?? resolveLab(opts).cheap)
  const lab = await convergeCheap(opts, log)
  // Without --profile, the lab keeps the list it was last brought up with.
  const profiles = opts.profile !== undefined ? parseProfiles(opts.profile) : (readRecord(lab.dir)?.profiles ?? [DEFAULT_PROFILE])
  const wanted = (index: number) => profileForHost(profiles, index)
  // Likewise DHCP uplinks: --dhcp / --no-dhcp, else the last choice.
  const dhcp = opts.dhcp ?? readRecord(lab.dir)?.dhcp ?? false
  // Likewise the guests' stand-ins (--guests), none unless asked once.
  const guests = opts.guests !== undefined ? parseGuests(opts.guests) : (readRecord(lab.dir)?.guests ?? [])
  // Likewise whether the guests run (vm1) or are all left shut off (--no-running-guests).
  const runningGuests = opts.runningGuests ?? readRecord(lab.dir)?.runningGuests ?? true
  if (!runningGuests && guests.length) {
    throw new Error(`invalid --no-running-guests with --guests ${guests.join(',')}: the stand-ins are running guests' NICs; pass --guests none, or --running-guests`)
  }
  const wantedChoices = (index: number): HostChoices => ({ profile: wanted(index), dhcp, guests, guestsStopped: !runningGuests })
  // Whom the inventory logs in as: root unless asked (not kept from the last up,
  // so a lab shared by several users of it goes back to plain root by default).
  const logins = parseLogins(opts.login ?? 'root')
  if (dhcp) validateDhcp(Array.from({ length: count }, (_, i) => wanted(i + 1)))
  // Likewise the jump hosts in front of the hosts.
  const jumps = validateJumps(opts.jump ?? readRecord(lab.dir)?.jumps ?? 0)
  if (jumps && lab.cheap) throw new Error(`invalid --cheap with jump hosts (${jumps}): cheap hosts are reached directly; pass --jump 0`)
  if (jumps && dhcp) throw new Error(`invalid --dhcp with --jump ${jumps}: the lab's DHCP server sits on the machine, which does not reach hosts behind a jump host`)
  preflight(undefined, [...new Set(Array.from({ length: count }, (_, i) => wanted(i + 1)))])
  await refuseForeignAddresses(lab, count)
  const started = performance.now()
  writeRecord(lab, Math.max(count, readRecord(lab.dir)?.hosts ?? 0), { profiles, dhcp, logins, guests, runningGuests })
  const rootOn22 = logins.every((l) => l === 'root')
  await convergeBase(lab, log)
  // Hosts that run libvirtd carry libvirt-daemon-system's own files (fetched once, stock.ts).
  const stockTree = lab.cheap ? undefined : await stockLibvirtTree()
  // Hosts of the ifupdown2 profiles get Debian's ifupdown2 installed in their own layer (fetched once, ifupdown2.ts).
  if (Array.from({ length: count }, (_, i) => wanted(i + 1)).some((p) => networkSystem(p) === 'ifupdown2')) await ifupdown2Tree()
  // Bare hosts boot their own Debian root (built once, cached) with the lab's key for root (bare.ts).
  if (Array.from({ length: count }, (_, i) => wanted(i + 1)).some(isBare)) {
    // Their root has no lab users: only root logs in, with the lab's key, on port 22.
    if (!rootOn22) throw new Error(`invalid --login ${logins.join(',')} with profile bare-debian: a bare host is a fresh install whose only account is root; pass --login root`)
    // Guests' stand-ins are libvirt guests, and a bare host has no libvirt until it is bootstrapped.
    if (guests.length) throw new Error(`invalid --guests ${guests.join(',')} with profile bare-debian: a bare host has no libvirt to run guests in; pass --guests none`)
    await bareRoot(log)
    await buildBareLayer(lab)
  }
  // Running hosts' sshd reads a changed drop-in again (SIGHUP: it re-executes itself).
  if (await buildBase(lab, { rootOn22, stockTree })) await reloadSshd(lab, count)
  await convergeBastions(lab, jumps, log)

  const removed: string[] = []
  for (const index of await knownHostIndexes(lab)) {
    if (index > count) {
      const host = hostPlan(lab, index)
      await hostDown(lab, host)
      recordChoices(lab, host.name, undefined)
      removed.push(host.name)
      log(`${host.name}: removed`)
    }
  }
  writeRecord(lab, count)

  const limit = pLimit(bootParallelism())
  const plans = Array.from({ length: count }, (_, i) => hostPlan(lab, i + 1))
  // First every host's files and uplink (kept hosts as they are), then the
  // DHCP server on the uplinks that exist now, then the boots, which need it.
  const prepared = await Promise.all(
    plans.map((host) =>
      limit(async () => {
        const choices = wantedChoices(host.index)
        const profile = choices.profile
        const before = await hostStatus(lab, host, recordedChoices(lab, host.name))
        if (before.state === 'running' && sameChoices(recordedChoices(lab, host.name), choices)) {
          return { host, profile, before, action: 'kept' as const }
        }
        if (before.state !== 'down') await hostDown(lab, host)
        recordChoices(lab, host.name, undefined)
        await prepareLabHost(lab, host, choices)
        recordChoices(lab, host.name, choices)
        return { host, profile, before, action: before.state === 'down' ? ('created' as const) : ('rebuilt' as const) }
      }),
    ),
  )
  await convergeDhcpServer(lab, plans)
  const hosts = await Promise.all(
    prepared.map(({ host, profile, before, action }) =>
      limit(async () => {
        if (action === 'kept') return { name: host.name, profile, action }
        await bootLabHost(lab, host, profile)
        const why = before.state === 'running' ? `, was ${before.profile}${before.dhcp ? ' with DHCP' : ''}` : ''
        log(`${host.name}: ${action} (${host.address}${dhcp ? ' by DHCP' : ''}, profile ${profile}${guests.length ? `, guests ${guests.join(',')}` : ''}${runningGuests ? '' : ', no guest running'}${why})${failedNote(failedUnits(lab, host))}`)
        return { name: host.name, profile, action }
      }),
    ),
  )

  const bastions = bastionsOf(lab)
  const keys = new Map([...bastions, ...plans].map((h) => [h.name, hostKeys(lab, h)]))
  writeAccessFiles(lab, plans, keys, new Map(hosts.map((h) => [h.name, h.profile])), { logins, rootOn22, bastions })
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
  await stopDhcpServer(lab.dir)
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
  for (const b of bastionsOf(lab).reverse()) {
    await bastionDown(lab, b)
    log(`${b.name}: removed`)
  }
  await fenceLabNet(lab, false)
  rmSync(lab.dir, { recursive: true, force: true })
  return { lab, removed: indexes.map((i) => `h${i}`) }
}

export async function labStatus(
  opts: LabOptions = {},
): Promise<{ lab: Lab; hosts: HostStatus[]; dhcpServer?: { pid?: number; lanReservations: string }; bastions: { name: string; address: string; running: boolean }[] }> {
  const lab = resolveLab(opts)
  const hosts = await Promise.all(
    (await knownHostIndexes(lab)).map((i) => hostStatus(lab, hostPlan(lab, i), recordedChoices(lab, `h${i}`))),
  )
  // The DHCP server: its PID while it runs, none where a DHCP host has no server (`up` restarts it).
  const dhcpServer = hosts.some((h) => h.dhcp || recordedChoices(lab, h.name).guests.length) || dhcpServerPid(lab.dir) ? { pid: dhcpServerPid(lab.dir), lanReservations: dhcpPaths(lab.dir).lanReservations } : undefined
  const bastions = await Promise.all(bastionsOf(lab).map(async (b) => ({ name: b.name, address: b.address, running: await bastionRunning(lab, b) })))
  return { lab, hosts, dhcpServer, bastions }
}

export interface RebootResult {
  name: string
  profile: LabProfile
  ok: boolean
  seconds: number
  error?: string
  /** Units of the host's boot that failed without stopping it (a network system that could not bring everything up). */
  failedUnits?: string[]
}

/** `; failed: …` for a log line, when units of the host's boot failed. */
const failedNote = (units: string[]) => (units.length ? `; failed: ${units.join('; ')}` : '')

/**
 * Power-cycles hosts (all of the lab's with `all`): each boots again from its
 * persisted files alone. Hosts reboot in parallel; each gets its own result,
 * so one that does not come back does not hide the others.
 */
export async function labReboot(names: string[], opts: LabOptions & { all?: boolean } = {}, log: (line: string) => void = () => {}): Promise<{ lab: Lab; hosts: RebootResult[] }> {
  preflight()
  const lab = resolveLab(opts)
  const targets = opts.all ? (await knownHostIndexes(lab)).map((i) => `h${i}`) : names
  if (targets.length === 0) throw new Error(`invalid reboot: name hosts (e.g. h1 h2) or pass --all; lab '${lab.name}' has none to reboot`)
  const plans = await Promise.all(targets.map(async (name) => (await labHost(name, opts)).host))
  for (const host of plans) {
    const status = await hostStatus(lab, host)
    if (status.state !== 'running') {
      throw new Error(`invalid reboot: ${host.name} is ${status.state}${status.detail ? ` (${status.detail})` : ''}; \`kvmplay lab up\` rebuilds it`)
    }
  }
  // A DHCP host gets its lease again at boot: the server must be there (restarted on all the lab's DHCP uplinks if it is not).
  if (plans.some((h) => recordedChoices(lab, h.name).dhcp || recordedChoices(lab, h.name).guests.length) && !dhcpServerPid(lab.dir)) {
    await convergeDhcpServer(lab, (await knownHostIndexes(lab)).map((i) => hostPlan(lab, i)))
  }
  const limit = pLimit(bootParallelism())
  const hosts = await Promise.all(
    plans.map((host) =>
      limit(async (): Promise<RebootResult> => {
        const profile = recordedProfile(lab, host.name)
        const started = performance.now()
        try {
          const seconds = await rebootHost(lab, host, profile)
          const failed = failedUnits(lab, host)
          log(`${host.name}: rebooted in ${seconds.toFixed(1)} s (profile ${profile})${failedNote(failed)}`)
          return { name: host.name, profile, ok: true, seconds, ...(failed.length ? { failedUnits: failed } : {}) }
        } catch (err) {
          const seconds = (performance.now() - started) / 1000
          log(`${host.name}: reboot failed after ${seconds.toFixed(1)} s: ${(err as Error).message}`)
          return { name: host.name, profile, ok: false, seconds, error: (err as Error).message }
        }
      }),
    ),
  )
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

