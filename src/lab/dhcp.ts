/**
 * The lab's DHCP server, for hosts whose uplink is addressed by DHCP (`lab up
 * --dhcp`): one dnsmasq on the machine per lab, bound only to the root-side
 * veths of those hosts, serving no DNS (`--port=0`) and nothing but each
 * host's own lab address (a static range per host subnet and a `dhcp-host` per
 * MAC), so the lease is exactly the address tests and inventories expect.
 * It is also the LAN's DHCP server for the guests of hosts with stand-ins
 * (`lab up --guests`): once moved to a bridge they ask it, and it gives each
 * the address reserved for its MAC in a file of LABDIR/lan-reservations/ —
 * where a migration run writes them (`--reservations-format dnsmasq-hosts
 * --reservations-out LABDIR/lan-reservations/guests`), reread by dnsmasq
 * itself as the file changes, as a real LAN's dnsmasq with --dhcp-hostsdir
 * does. Static ranges only: a guest without a reservation gets nothing.
 * Its pid file, leases and log are under the lab directory; `lab down` (and
 * every `up`, before it restarts it) ends it by its PID.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { sleep } from 'zx'
import type { HostPlan } from './addressing.ts'

export const DNSMASQ = '/usr/sbin/dnsmasq'
/** Long enough that no renewal falls inside a test, short enough to see one in a day. */
export const LEASE_TIME = '12h'

export const dhcpPaths = (labDir: string) => ({
  pid: join(labDir, 'dnsmasq.pid'),
  leases: join(labDir, 'dnsmasq.leases'),
  log: join(labDir, 'dnsmasq.log'),
  /** The guests' reservations (`--dhcp-hostsdir`): every file in it, reread on change. */
  lanReservations: join(labDir, 'lan-reservations'),
})

/**
 * dnsmasq's arguments (pure): `hosts` take their uplink's address by DHCP,
 * `lanHosts` have guests that may ask it on a bridge. Each host's subnet is
 * served once, tagged with its name for its own router.
 */
export function dnsmasqArgs(labDir: string, hosts: readonly HostPlan[], lanHosts: readonly HostPlan[] = []): string[] {
  if (hosts.length === 0 && lanHosts.length === 0) throw new Error('dnsmasqArgs: no DHCP host')
  const paths = dhcpPaths(labDir)
  const args = [
    '--conf-file=/dev/null',
    '--bind-interfaces',
    '--except-interface=lo',
    '--port=0',
    '--no-resolv',
    '--no-hosts',
    '--dhcp-authoritative',
    '--log-dhcp',
    `--log-facility=${paths.log}`,
    `--pid-file=${paths.pid}`,
    `--dhcp-leasefile=${paths.leases}`,
    // Hold the leases file as root: the lab directory is root's.
    '--user=root',
  ]
  if (lanHosts.length) args.push(`--dhcp-hostsdir=${paths.lanReservations}`)
  const uplinks = new Set(hosts.map((h) => h.name))
  const served = [...hosts, ...lanHosts.filter((h) => !uplinks.has(h.name))].sort((a, b) => a.index - b.index)
  for (const h of served) {
    const subnet = h.gateway.replace(/\.1$/, '.0')
    const mask = prefixMask(h.prefix)
    args.push(
      `--interface=${h.vethRoot}`,
      `--dhcp-range=set:${h.name},${subnet},static,${mask},${LEASE_TIME}`,
      ...(uplinks.has(h.name) ? [`--dhcp-host=${h.mac},${h.address}`] : []),
      `--dhcp-option=tag:${h.name},option:router,${h.gateway}`,
      `--dhcp-option=tag:${h.name},option:dns-server,${h.gateway}`,
    )
  }
  return args
}

export function prefixMask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.')
}

/** The PID of the lab's dnsmasq if it runs (its pid file, and that PID is a dnsmasq of this lab). */
export function dhcpServerPid(labDir: string): number | undefined {
  const { pid: path } = dhcpPaths(labDir)
  if (!existsSync(path)) return undefined
  const pid = Number(readFileSync(path, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}`)) return undefined
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  return cmdline.startsWith(DNSMASQ) && cmdline.includes(path) ? pid : undefined
}

export async function stopDhcpServer(labDir: string): Promise<void> {
  const pid = dhcpServerPid(labDir)
  if (pid) {
    process.kill(pid, 'SIGTERM')
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(50)
  }
  rmSync(dhcpPaths(labDir).pid, { force: true })
}

/** Starts dnsmasq for these hosts (their root-side veths must exist: --bind-interfaces refuses a missing one). */
export async function startDhcpServer(labDir: string, hosts: readonly HostPlan[], lanHosts: readonly HostPlan[] = []): Promise<number> {
  await stopDhcpServer(labDir)
  if (lanHosts.length) mkdirSync(dhcpPaths(labDir).lanReservations, { recursive: true })
  const child = spawn(DNSMASQ, dnsmasqArgs(labDir, hosts, lanHosts), { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  // dnsmasq forks into the background once it is bound; the parent's exit code says whether it could.
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`the lab's DHCP server (dnsmasq) did not start (exit ${code}): ${err.trim()}`)
  for (let i = 0; i < 100; i++) {
    const pid = dhcpServerPid(labDir)
    if (pid) return pid
    await sleep(20)
  }
  throw new Error(`the lab's DHCP server (dnsmasq) started but wrote no pid file ${dhcpPaths(labDir).pid}`)
}
