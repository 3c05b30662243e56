/**
 * One lab host: its namespaces, its uplink, its boot, its power-off.
 * Each function is idempotent, so `up` can repair and `down` can finish
 * whatever an earlier, interrupted run left behind.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sleep } from 'zx'
import { $ } from './sh.ts'
import { renderTemplate } from '../render.ts'
import { PACKAGE_ROOT } from '../paths.ts'
import { mirrorMachineDirs, writeIfChanged } from './files.ts'
import { hostPaths, labPaths } from './state.ts'
import type { Lab } from './state.ts'
import type { HostPlan } from './addressing.ts'
import { hostsOuterNs, linkIn } from './bastion.ts'
import { DEFAULT_PROFILE, configuredFromOutside, isBare, networkSystem, runsNetworkManager } from './profiles.ts'
import type { HostChoices } from './choices.ts'
import { ifcfgFile, networkManagerConf, profileFiles } from './layouts.ts'
import type { LabProfile } from './profiles.ts'
import { labGuests, staticHostLines, standInLines } from './guests.ts'
import { haltBootSector } from './base.ts'
import { ifupdown2Tree, installIfupdown2 } from './ifupdown2.ts'
import { bareBootArgs, removeBareCgroups } from './bare.ts'
import { bareRoot } from './bare-root.ts'

const BOOT_SCRIPT = join(PACKAGE_ROOT, 'src', 'lab', 'boot.sh')
const BOOT_TIMEOUT_MS = 90_000
/** A power cycle: processes gone, then the boot itself (bounded by BOOT_TIMEOUT_MS). */
const POWER_OFF_TIMEOUT_MS = 10_000

export type HostState = 'running' | 'booting' | 'down' | 'broken'

export interface HostStatus {
  name: string
  state: HostState
  address: string
  mac: string
  pid?: number
  /** How the host keeps its network (the lab record's, `none` for hosts built before profiles). */
  profile: LabProfile
  /** Whether its uplink takes its address by DHCP (from the lab's dnsmasq). */
  dhcp: boolean
  /** Whether its guests were all left shut off (`--no-running-guests`). */
  guestsStopped: boolean
  detail?: string
}

/**
 * Whether a process still runs. A zombie does not: it has released its
 * namespaces and mounts, and only waits for its parent — for a host's
 * nsenter that is the machine's PID 1, which may reap it seconds later
 * (here process_api did, about 2 s, which made `down` of 500 hosts take minutes).
 */
export function processRuns(pid: number): boolean {
  try {
    // The state is the field after the command, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** What boots and powers off like a host: hosts and bastions (bastion.ts). */
type Booted = Pick<HostPlan, 'name' | 'netns'>

function readPid(lab: Lab, host: Booted): number | undefined {
  const path = hostPaths(lab.dir, host.name).pid
  if (!existsSync(path)) return undefined
  const pid = Number(readFileSync(path, 'utf8').trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** The last line boot.sh wrote: booting, then ready. */
function bootStatus(lab: Lab, host: Booted): string {
  const path = hostPaths(lab.dir, host.name).status
  return existsSync(path) ? (readFileSync(path, 'utf8').trim().split('\n').pop() ?? '') : ''
}

/** The units boot.sh noted as failed on the host's last boot (`failed: …` lines): its boot went on, as a real one does. */
export function failedUnits(lab: Lab, host: Booted): string[] {
  const path = hostPaths(lab.dir, host.name).status
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('failed: ')).map((l) => l.slice('failed: '.length))
}

export async function netnsExists(name: string): Promise<boolean> {
  return existsSync(`/run/netns/${name}`)
}

export async function linkExists(name: string): Promise<boolean> {
  return existsSync(`/sys/class/net/${name}`)
}

/** PIDs of every process in the host's network namespace (all of the host's processes). */
export async function netnsPids(netns: string): Promise<number[]> {
  if (!(await netnsExists(netns))) return []
  const out = await $({ nothrow: true })`ip netns pids ${netns}`
  return out.stdout.split('\n').filter(Boolean).map(Number)
}

/** `choices`: what the host was built with (choices.ts), as its status reports it. */
export async function hostStatus(lab: Lab, host: HostPlan, choices: Pick<HostChoices, 'profile' | 'dhcp' | 'guestsStopped'> = NO_CHOICES): Promise<HostStatus> {
  const base = { name: host.name, address: host.address, mac: host.mac, profile: choices.profile, dhcp: choices.dhcp, guestsStopped: choices.guestsStopped }
  const pid = readPid(lab, host)
  const paths = hostPaths(lab.dir, host.name)
  const hasNetns = await netnsExists(host.netns)
  if (!pid && !hasNetns && !existsSync(paths.root)) return { ...base, state: 'down' }
  if (!pid || !processRuns(pid)) return { ...base, state: 'broken', detail: 'not running' }
  if (!hasNetns || !(await linkIn(hostsOuterNs(lab), host.vethRoot))) {
    return { ...base, state: 'broken', pid, detail: 'network namespace or uplink missing' }
  }
  return { ...base, pid, state: bootStatus(lab, host) === 'ready' ? 'running' : 'booting' }
}

const NO_CHOICES: HostChoices = { profile: DEFAULT_PROFILE, dhcp: false, guests: [], guestsStopped: false }

/** Files that make this host itself: identity, uplink config (in its profile's own format too), first-boot guests and their stand-ins. */
async function writeHostLayer(lab: Lab, host: HostPlan, { profile, dhcp, guests, guestsStopped }: HostChoices): Promise<void> {
  const upper = hostPaths(lab.dir, host.name).upper
  const etc = join(upper, 'etc')
  writeIfChanged(join(etc, 'hostname'), `${host.name}\n`)
  writeIfChanged(
    join(etc, 'hosts'),
    `127.0.0.1\tlocalhost\n127.0.1.1\t${host.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  )
  // The host's only name server is its gateway (the lab's root side, where no
  // DNS server runs): lookups fail at once instead of leaving the lab.
  writeIfChanged(join(etc, 'resolv.conf'), `nameserver ${host.gateway}\n`)
  // A bare host is a fresh Debian install: its own network file only, no libvirt guests to define (it has no libvirt).
  if (isBare(profile)) {
    for (const file of profileFiles(lab.name, host, profile, dhcp)) writeIfChanged(join(upper, file.path), file.content, file.mode)
    writeIfChanged(join(etc, 'machine-id'), `${randomBytes(16).toString('hex')}\n`, 0o444)
    await makeHostKeys(etc, host.name, HOST_KEY_TYPES)
    return
  }
  for (const file of [ifcfgFile(lab.name, host), ...profileFiles(lab.name, host, profile, dhcp)]) writeIfChanged(join(upper, file.path), file.content, file.mode)
  if (runsNetworkManager(profile)) writeIfChanged(join(etc, 'NetworkManager/NetworkManager.conf'), networkManagerConf())
  // ifupdown2 conflicts with the machine's ifupdown: installed into this host's own layer (ifupdown2.ts).
  if (networkSystem(profile) === 'ifupdown2') await installIfupdown2(upper, await ifupdown2Tree())
  // Every full host runs a system D-Bus (polkit for libvirtd, NetworkManager):
  // the machine's id would be every host's, where a real install has its own.
  const machineId = join(etc, 'machine-id')
  if (!lab.cheap && !existsSync(machineId)) writeIfChanged(machineId, `${randomBytes(16).toString('hex')}\n`, 0o444)
  await makeHostKeys(etc, host.name, lab.cheap ? CHEAP_HOST_KEY_TYPES : HOST_KEY_TYPES)
  const provision = join(upper, 'var/lib/kvmplay-lab')
  const { domains, standIns } = labGuests(host, guests)
  for (const domain of domains) {
    writeIfChanged(join(provision, `domains/${domain.name}.xml`), renderTemplate('lab/domain.xml.hbs', domain))
    // The base layer has the images of every host's usual guests; the extra ones are this host's.
    if (!host.domains.includes(domain)) writeIfChanged(join(upper, `var/lib/libvirt/images/${domain.name}.img`), haltBootSector())
  }
  // The guests the first boot starts and autostarts: none with --no-running-guests (all defined, shut off).
  writeIfChanged(join(provision, 'running'), domains.filter((d) => d.running && !guestsStopped).map((d) => `${d.name}\n`).join(''))
  writeIfChanged(join(provision, 'standins'), standInLines(standIns))
  writeIfChanged(join(provision, 'static-hosts'), staticHostLines(standIns))
  // e.g. /etc/NetworkManager/system-connections stays root's 0700 in the host, as on the machine.
  mirrorMachineDirs(upper)
}

/**
 * The host keys openssh-server's postinst makes on a Debian install, at
 * sshd's default paths (so no HostKey line is needed): rsa (3072 bits,
 * ssh-keygen's default), ecdsa (256) and ed25519, each the host's own.
 * Missing ones only: a kept host keeps its keys, and known_hosts stays valid.
 * The three run at once, as do the hosts' (an RSA key is ~0.2 CPU-s).
 */
export const HOST_KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const
/**
 * A cheap host stays minimal: one key, ed25519, as before stock hosts (an RSA
 * key is most of a cheap host's start-up CPU: 500 of them, minutes). Its
 * sshd is told so in the lab's drop-in (base.ts), or it would also load the
 * machine's own rsa and ecdsa keys through the lower layer.
 */
export const CHEAP_HOST_KEY_TYPES = ['ed25519'] as const

async function makeHostKeys(etc: string, name: string, types: readonly string[]): Promise<void> {
  mkdirSync(join(etc, 'ssh'), { recursive: true })
  await Promise.all(
    types.map(async (type) => {
      const key = join(etc, `ssh/ssh_host_${type}_key`)
      if (!existsSync(key)) await $`ssh-keygen -q -t ${type} -N ${''} -C ${`root@${name}`} -f ${key}`
    }),
  )
}

/** The public host keys a host (or bastion) has of its own, `type base64` each, as ssh-keyscan gives them. */
export function hostKeys(lab: Lab, host: Booted): string[] {
  const ssh = join(hostPaths(lab.dir, host.name).upper, 'etc/ssh')
  return HOST_KEY_TYPES.map((type) => join(ssh, `ssh_host_${type}_key.pub`))
    .filter((pub) => existsSync(pub))
    .map((pub) => readFileSync(pub, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '))
}

/** The veth pair: `eth0` inside the host, `vethRoot` in the machine's namespace — or, behind jump hosts, in the last bastion's (`outerNs`). */
async function plugUplink(host: HostPlan, profile: LabProfile, outerNs?: string): Promise<void> {
  const outer = outerNs ? ['-n', outerNs] : []
  await $`ip netns add ${host.netns}`
  await $`ip ${outer} link add ${host.vethRoot} type veth peer name ${host.uplink} netns ${host.netns}`
  await $`ip ${outer} addr add ${host.gateway}/${host.prefix} dev ${host.vethRoot}`
  await $`ip ${outer} link set ${host.vethRoot} up`
  await configureUplink(host, profile, [`link set ${host.uplink} address ${host.mac}`])
}

/**
 * What the lab itself sets up inside the host before it boots. On `none` that
 * is eth0's address and default route (nothing in the host reads its ifcfg
 * file); the other profiles' own network system (the network scripts among
 * them) brings eth0 up from their files at boot, so the lab leaves it down.
 */
async function configureUplink(host: HostPlan, profile: LabProfile, first: string[] = []): Promise<void> {
  const inside = [...first, `link set lo up`]
  if (configuredFromOutside(profile)) {
    inside.push(
      `addr add ${host.address}/${host.prefix} dev ${host.uplink}`,
      `link set ${host.uplink} up`,
      `route add default via ${host.gateway}`,
    )
  }
  await $({ input: inside.join('\n') + '\n' })`ip -n ${host.netns} -batch -`
}

/** What PID 1 of a Debian host passes its services: systemd's default PATH, no locale of the controller's. */
const INIT_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' }

async function startInit(lab: Lab, host: Booted, profile: LabProfile | 'bastion'): Promise<number> {
  const paths = hostPaths(lab.dir, host.name)
  // A cheap host (profile none, configured from outside) boots its sshd alone; the others start their profile's network system.
  const bootAs = profile === 'bastion' ? profile : lab.cheap ? 'sshd-only' : networkSystem(profile)
  // A bare host's init is systemd in its own root (bare-boot.sh), in the same namespaces as any host's.
  const script = profile !== 'bastion' && isBare(profile) ? bareBootArgs(lab, host.name, await bareRoot()) : [BOOT_SCRIPT, paths.root, host.name, labPaths(lab.dir).base, bootAs]
  const log = openSync(paths.log, 'w')
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${host.netns}`,
      'unshare', '--mount', '--pid', '--uts', '--ipc', '--fork', '--kill-child', '--mount-proc',
      'tini', '-s', '--',
      '/bin/sh', ...script,
    ],
    // A host's init starts as a real one does: in /, with systemd's default PATH and nothing of the
    // controller's environment (its PATH may lead to a pyenv shim for python3, which ifupdown2 then
    // runs, and which fails where the controller's directory is not the host's).
    { detached: true, stdio: ['ignore', log, log], cwd: '/', env: INIT_ENV },
  )
  closeSync(log)
  child.unref()
  if (!child.pid) throw new Error(`${host.name}: could not start nsenter`)
  writeFileSync(paths.pid, `${child.pid}\n`)
  return child.pid
}

async function waitReady(lab: Lab, host: Booted, pid: number, profile: LabProfile | 'bastion'): Promise<void> {
  const paths = hostPaths(lab.dir, host.name)
  const deadline = Date.now() + BOOT_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (bootStatus(lab, host) === 'ready') return
    if (!processRuns(pid)) {
      const log = existsSync(paths.log) ? readFileSync(paths.log, 'utf8').trim().split('\n').slice(-15).join('\n') : ''
      throw new Error(`${host.name} (profile ${profile}) failed to boot (see ${paths.log}):\n${log}`)
    }
    await sleep(50)
  }
  throw new Error(`${host.name} (profile ${profile}) did not boot within ${BOOT_TIMEOUT_MS / 1000} s (see ${paths.log})`)
}

/**
 * The first half of bringing a host up from nothing: its files and its
 * uplink, not yet booted (the lab's DHCP server binds to the uplink's root
 * side in between). Callers remove leftovers first (hostDown).
 */
export async function prepareLabHost(lab: Lab, host: HostPlan, choices: HostChoices = NO_CHOICES): Promise<void> {
  rmSync(hostPaths(lab.dir, host.name).root, { recursive: true, force: true })
  await writeHostLayer(lab, host, choices)
  await plugUplink(host, choices.profile, hostsOuterNs(lab))
}

/** Boots what is in `netns` (a bastion's, whose boot.sh profile is `bastion`: sshd only) and waits for it. */
export async function bootNamespace(lab: Lab, name: string, netns: string, profile: 'bastion'): Promise<void> {
  const pid = await startInit(lab, { name, netns }, profile)
  await waitReady(lab, { name, netns }, pid, profile)
}

/** The second half: the host's first boot. */
export async function bootLabHost(lab: Lab, host: HostPlan, profile: LabProfile = 'none'): Promise<void> {
  const pid = await startInit(lab, host, profile)
  await waitReady(lab, host, pid, profile)
}

/**
 * What a power cycle leaves of the host's network: its NIC, with its MAC and
 * its cable, and nothing else. The host moves into a new network namespace
 * under the same name, taking only the uplink along, and the old one goes
 * with everything that lived in it in memory — bridges, libvirt's virbr0,
 * taps, addresses, routes, rules, the firewall, and every net.* kernel
 * parameter (a new namespace starts from the kernel's defaults, as a booting
 * kernel does, so only what the host persisted comes back).
 */
export async function freshNetns(host: HostPlan): Promise<void> {
  const next = `${host.netns}-boot`
  if (await netnsExists(next)) await $`ip netns del ${next}`
  await $`ip netns add ${next}`
  // A bridge port cannot change namespace while enslaved.
  await $`ip -n ${host.netns} link set ${host.uplink} nomaster`
  await $`ip -n ${host.netns} link set ${host.uplink} netns ${next}`
  await $`ip netns del ${host.netns}`
  // The new namespace under the old name: a bind mount of it, as `ip netns add` makes.
  const path = `/run/netns/${host.netns}`
  writeFileSync(path, '')
  await $`mount --bind /run/netns/${next} ${path}`
  await $`ip netns del ${next}`
}

/**
 * A simulated power cycle: every process of the host ends (PID 1 and with it
 * the PID namespace and the mount namespace, so /run is empty at the next
 * boot), the network namespace loses what only lived in memory, and the host
 * boots again from its persisted files alone (the overlay's upper dir keeps
 * /etc and /var). On `none` the lab configures eth0 again itself, as at
 * creation; the other profiles' own network system brings up what the host
 * persisted. Returns the seconds it took.
 */
export async function rebootHost(lab: Lab, host: HostPlan, profile: LabProfile): Promise<number> {
  const started = performance.now()
  await powerOff(lab, host)
  const left = (await netnsPids(host.netns)).filter(processRuns)
  if (left.length > 0) throw new Error(`${host.name}: processes ${left.join(' ')} did not end within ${POWER_OFF_TIMEOUT_MS / 1000} s`)
  // The last boot's "ready" must not pass for this one's.
  rmSync(hostPaths(lab.dir, host.name).status, { force: true })
  await freshNetns(host)
  await configureUplink(host, profile)
  const pid = await startInit(lab, host, profile)
  await waitReady(lab, host, pid, profile)
  return (performance.now() - started) / 1000
}

/**
 * Powers the host off, as a crash would: kills all its processes (every one
 * of them is in its network namespace) and waits for them to go. Its mounts
 * live only in its own mount namespace and go with its last process. The
 * namespace, veth and files stay, so `status` reports it broken and `up`
 * rebuilds it.
 */
export async function powerOff(lab: Lab, host: Booted): Promise<void> {
  const pids = new Set(await netnsPids(host.netns))
  const pid = readPid(lab, host)
  if (pid && processRuns(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(hostPaths(lab.dir, host.name).root)) pids.add(pid)
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < POWER_OFF_TIMEOUT_MS / 50 && [...pids].some(processRuns); i++) await sleep(50)
}

/** Powers the host off and removes its namespace, its veth and its files. */
export async function hostDown(lab: Lab, host: HostPlan): Promise<void> {
  await powerOff(lab, host)
  if (await netnsExists(host.netns)) await $`ip netns del ${host.netns}`
  if (await linkExists(host.vethRoot)) await $({ nothrow: true })`ip link del ${host.vethRoot}`
  // A bare host's nspawn made cgroups of its own (bare-boot.sh); empty once its processes are gone. Any host may have been one.
  removeBareCgroups(lab, host.name)
  rmSync(hostPaths(lab.dir, host.name).root, { recursive: true, force: true })
}

/** Proportional memory (PSS) of all the host's processes, in KiB: its fair share of the machine. */
export async function hostMemoryKiB(host: HostPlan): Promise<{ pss: number; rss: number }> {
  let pss = 0
  let rss = 0
  for (const pid of await netnsPids(host.netns)) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0)
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0)
    } catch {
      // exited meanwhile
    }
  }
  return { pss, rss }
}
