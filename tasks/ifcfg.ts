/**
 * writeIfcfg: a bridge over the uplink, persisted the CentOS way — ifcfg-br0
 * (TYPE=Bridge, the host's address) and ifcfg-<nic> (BRIDGE=br0, HWADDR) —
 * with every value a user would copy by hand defaulting to what the host's
 * facts say, so `writeIfcfg({ bridge: 'br0' })` bridges a host's uplink
 * keeping its address.
 *
 * applyIfcfg: makes the running host match, as a separate, explicit step,
 * with the backend the host uses: NetworkManager, the network scripts, or
 * plain iproute2 (the lab's case).
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import type { Host } from '../src/core/host.ts'
import { factRequest } from '../src/facts/fact.ts'
import { fileFact } from '../src/facts/file.ts'
import { hostNetworkFact, uplinkOf } from '../src/facts/network.ts'
import type { HostNetwork } from '../src/facts/network.ts'
import { NETWORK_SCRIPTS } from '../src/facts/ifcfg.ts'
import { renderTemplate } from '../src/render.ts'
import { ALWAYS_STALE } from '../src/core/step.ts'
import { sh } from '../src/core/quote.ts'
import { interfaceName, ipv4, mac, netmaskToPrefix, prefixLength, prefixToNetmask } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { planFile, validateFileOptions } from './file.ts'
import { confirmedApply, DEFAULT_CONFIRM_TIMEOUT_SEC } from '../src/cutover/confirmed-apply.ts'
import type { Verify } from '../src/cutover/confirmed-apply.ts'
import { describeSnapshot, restoreScript, snapshotOf } from '../src/cutover/restore.ts'
import { libvirtReader } from '../src/libvirt/remote.ts'
import type { Connection } from '../src/connection/types.ts'

export interface BridgeOptions extends TaskOptions {
  /** The bridge to create, e.g. 'br0'. */
  bridge: string
  /** The NIC to enslave. Default: the uplink (the default route's device). */
  device?: string
  /** 'static' (default when the host has an address) or 'dhcp'. */
  bootproto?: 'static' | 'dhcp'
  /** Default: the uplink's current address. */
  address?: string
  /** Default: the uplink's current prefix. */
  prefix?: number
  /** Write NETMASK= instead of PREFIX= (as the seed does): give the netmask, or `true` to derive it. */
  netmask?: string | true
  /** Default: the current default gateway. */
  gateway?: string
  /** Default: the name servers in /etc/resolv.conf. */
  dns?: string[]
  /** Default: the NIC's MAC. */
  hwaddr?: string
  /** Spanning tree on the bridge. Default false (one uplink, no loops to break). */
  stp?: boolean
  /** Forwarding delay, seconds. Default 0. */
  delay?: number
  /** Default false: the network scripts (or kvmplay) manage these, not NetworkManager. */
  nmControlled?: boolean
  /** applyIfcfg: seconds the host waits for kvmplay to come back and confirm before it rolls back by itself. Default 60. */
  confirmTimeout?: number
  /** applyIfcfg: extra shell commands that must succeed on the host after the change, before it is confirmed. */
  probes?: string[]
}

/** The bridge as wished, on this host: options first, facts for the rest. */
export interface BridgeWish {
  bridge: string
  device: string
  hwaddr: string
  bootproto: 'static' | 'dhcp'
  address?: string
  prefix?: number
  netmask?: string
  gateway?: string
  dns: string[]
  stp: boolean
  delay: number
  nmControlled: boolean
}

/** Checks what can be checked before any host is contacted. */
function validate(o: BridgeOptions) {
  interfaceName(o.bridge, 'bridge name')
  if (o.device !== undefined) interfaceName(o.device, 'device')
  if (o.address !== undefined) ipv4(o.address, 'address')
  if (o.prefix !== undefined) prefixLength(o.prefix)
  if (typeof o.netmask === 'string') netmaskToPrefix(o.netmask)
  if (o.gateway !== undefined) ipv4(o.gateway, 'gateway')
  for (const d of o.dns ?? []) ipv4(d, 'DNS server')
  if (o.hwaddr !== undefined) mac(o.hwaddr, 'HWADDR')
  if (o.bootproto !== undefined && o.bootproto !== 'static' && o.bootproto !== 'dhcp') {
    throw new KvmplayError('validation', `invalid bootproto ${JSON.stringify(o.bootproto)}: expected 'static' or 'dhcp'`)
  }
  if (o.delay !== undefined && (!Number.isInteger(o.delay) || o.delay < 0 || o.delay > 30)) {
    throw new KvmplayError('validation', `invalid delay ${JSON.stringify(o.delay)}: expected whole seconds from 0 to 30`)
  }
  if (o.device !== undefined && o.device === o.bridge) throw new KvmplayError('validation', `the bridge and its port cannot both be ${o.bridge}`)
}

export function bridgeWish(o: BridgeOptions, net: HostNetwork): BridgeWish {
  const up = uplinkOf(net, o.bridge)
  const device = o.device ?? up.device
  const nic = net.links.find((l) => l.name === device)
  if (!nic) throw new KvmplayError('precondition', `there is no interface ${device} on this host (interfaces: ${net.links.map((l) => l.name).join(', ')})`)
  const address = o.address ?? up.address
  const prefix = o.prefix ?? (typeof o.netmask === 'string' ? netmaskToPrefix(o.netmask) : up.prefix)
  const bootproto = o.bootproto ?? (address ? 'static' : 'dhcp')
  if (bootproto === 'static' && (!address || prefix === undefined)) {
    throw new KvmplayError('precondition', `${device} has no IPv4 address to keep: give address and prefix, or bootproto: 'dhcp'`)
  }
  return {
    bridge: o.bridge,
    device,
    hwaddr: o.hwaddr ? mac(o.hwaddr) : nic.mac,
    bootproto,
    address: bootproto === 'static' ? address : undefined,
    prefix: bootproto === 'static' ? prefix : undefined,
    netmask: o.netmask === undefined || prefix === undefined ? undefined : typeof o.netmask === 'string' ? o.netmask : prefixToNetmask(prefix),
    gateway: o.gateway ?? up.gateway,
    dns: o.dns ?? up.dns,
    stp: o.stp ?? false,
    delay: o.delay ?? 0,
    nmControlled: o.nmControlled ?? false,
  }
}

export function ifcfgFiles(w: BridgeWish): { path: string; content: string }[] {
  const yn = (b: boolean) => (b ? 'yes' : 'no')
  const vars = {
    ...w,
    static: w.bootproto === 'static',
    bootproto: w.bootproto === 'static' ? 'none' : 'dhcp',
    onboot: 'yes',
    nmControlled: yn(w.nmControlled),
    stp: yn(w.stp),
    gateway: w.gateway ?? '',
  }
  return [
    { path: `${NETWORK_SCRIPTS}/ifcfg-${w.bridge}`, content: renderTemplate('ifcfg/bridge.hbs', vars) },
    { path: `${NETWORK_SCRIPTS}/ifcfg-${w.device}`, content: renderTemplate('ifcfg/port.hbs', vars) },
  ]
}

const paths = (bridge: string, device?: string) => [`${NETWORK_SCRIPTS}/ifcfg-${bridge}`, ...(device ? [`${NETWORK_SCRIPTS}/ifcfg-${device}`] : [])]

/**
 * @example
 * ```ts
 * writeIfcfg({ bridge: 'br0' })                                  // the uplink, keeping its address
 * writeIfcfg({ bridge: 'br0', device: 'eno1', netmask: true })   // NETMASK= as in the seed
 * ```
 */
export function writeIfcfg(opts: BridgeOptions): Task {
  validate(opts)
  return defineTask(
    {
      name: `ifcfg for bridge ${opts.bridge}${opts.device ? ` over ${opts.device}` : ''}`,
      facts: () => [factRequest(hostNetworkFact, undefined), ...paths(opts.bridge, opts.device).map((p) => factRequest(fileFact, p))],
      plan: async (host) => {
        const w = bridgeWish(opts, await host.fact(hostNetworkFact, undefined))
        const steps: Step[] = []
        for (const f of ifcfgFiles(w)) steps.push(...planFile(validateFileOptions({ path: f.path, content: f.content }), await host.fact(fileFact, f.path)))
        return { steps, reason: steps.length ? undefined : `ifcfg-${w.bridge} and ifcfg-${w.device} are as wished` }
      },
    },
    opts,
  )
}

/** The iproute2 commands (one `ip -batch`) that take the live host from `net` to the wish; none when it is there. */
export function iproute2Plan(w: BridgeWish, net: HostNetwork): string[] {
  const link = (name: string) => net.links.find((l) => l.name === name)
  const br = link(w.bridge)
  const nic = link(w.device)!
  const cmds: string[] = []
  if (br && br.kind !== 'bridge') throw new KvmplayError('precondition', `${w.bridge} exists and is a ${br.kind ?? 'plain'} interface, not a bridge`)
  if (!br) cmds.push(`link add ${w.bridge} type bridge stp_state ${w.stp ? 1 : 0} forward_delay ${w.delay * 100}`)
  // The bridge takes the NIC's MAC, as initscripts do: DHCP reservations and ARP caches stay right.
  if (!br || br.mac !== nic.mac) cmds.push(`link set ${w.bridge} address ${nic.mac}`)
  if (!br || !br.up) cmds.push(`link set ${w.bridge} up`)
  if (nic.master !== w.bridge) cmds.push(`link set ${w.device} master ${w.bridge}`)
  if (w.address && w.prefix !== undefined) {
    const cidr = `${w.address}/${w.prefix}`
    const has = (l: typeof br) => l?.addresses.some((a) => a.address === w.address && a.prefix === w.prefix)
    if (!has(br)) cmds.push(`addr add ${cidr} dev ${w.bridge}`)
    // A bridge port carries no address of its own: whatever the NIC had goes.
    for (const a of nic.addresses) cmds.push(`addr del ${a.address}/${a.prefix} dev ${w.device}`)
    const def = net.routes.find((r) => r.dst === 'default')
    if (w.gateway && (def?.dev !== w.bridge || def?.gateway !== w.gateway || cmds.length > 0)) cmds.push(`route replace default via ${w.gateway} dev ${w.bridge}`)
  }
  return cmds
}

/** The gateway answers (where the host has ping), then the user's own probes. */
function probesFor(w: BridgeWish, extra: string[]): string[] {
  return [...(w.gateway ? [sh`! command -v ping >/dev/null 2>&1 || ping -c 1 -W 2 ${w.gateway}`] : []), ...extra]
}

/**
 * libvirtd answers: a call over this connection's libvirt session (opened
 * if need be; no process on the host), or else `virsh list` works (where the
 * host has virsh). Not `virsh version`: on a cold capability cache that
 * probes every qemu binary, about a CPU-second.
 */
async function libvirtAnswers(conn: Connection): Promise<string | undefined> {
  const session = await libvirtReader(conn)
  if (session && (await session.api.listNetworks().then(() => true, () => false))) return undefined
  const virshList = '! command -v virsh >/dev/null 2>&1 || virsh -q list --all --name >/dev/null'
  return (await conn.exec(virshList)).code === 0 ? undefined : `probe failed: ${virshList}`
}

/**
 * What decides whether a rollback worked: the global IPv4 addresses (device
 * and address, sorted: what `awk '{print $2, $4}' | sort` made of them on the
 * host, without its two processes) and the default route.
 */
export const VERIFY: Verify = {
  // One ip, not two (-batch); the same lines as `ip -4 -o addr show scope global; ip route show default`.
  command: "ip -4 -o -batch - <<'KVMPLAY_IP'\naddr show scope global\nroute show default\nKVMPLAY_IP",
  digest: (out) => {
    const lines = out.split('\n').filter((l) => l.trim())
    const isAddress = (l: string) => /^\d+:\s/.test(l)
    const addresses = lines.filter(isAddress).map((l) => l.trim().split(/\s+/)).map((f) => `${f[1]} ${f[3]}`).sort()
    return [...addresses, ...lines.filter((l) => !isAddress(l))].join('\n')
  },
}

/**
 * Applies the bridge to the running host, as a confirmed apply: the host arms
 * its own rollback first, the change runs detached from the SSH session, and
 * kvmplay confirms only after logging in again and probing. See
 * src/cutover/confirmed-apply.ts.
 */
export function applyIfcfg(opts: BridgeOptions): Task {
  validate(opts)
  const timeoutSec = opts.confirmTimeout ?? DEFAULT_CONFIRM_TIMEOUT_SEC
  if (!Number.isInteger(timeoutSec) || timeoutSec < 5 || timeoutSec > 3600) {
    throw new KvmplayError('validation', `invalid confirmTimeout ${JSON.stringify(opts.confirmTimeout)}: expected whole seconds from 5 to 3600`)
  }
  return defineTask(
    {
      name: `apply bridge ${opts.bridge}`,
      facts: () => [factRequest(hostNetworkFact, undefined)],
      plan: async (host: Host) => {
        const net = await host.fact(hostNetworkFact, undefined)
        const w = bridgeWish(opts, net)
        const cmds = iproute2Plan(w, net)
        if (cmds.length === 0) return { steps: [], reason: `${w.device} is a port of ${w.bridge}, which carries ${w.address ?? 'the address'}/${w.prefix ?? ''} and the default route` }
        const snapshot = snapshotOf(net, [w.bridge, w.device])
        const apply =
          net.backend === 'iproute2'
            ? `ip -batch - <<'KVMPLAY_IPBATCH'\n${cmds.join('\n')}\nKVMPLAY_IPBATCH`
            : net.backend === 'networkmanager'
              ? sh`nmcli connection reload && nmcli connection up ${w.bridge} && nmcli connection up ${w.device}`
              : sh`ifdown ${w.device}; ifup ${w.bridge} && ifup ${w.device}`
        const summary = `bring up ${w.bridge} over ${w.device}${w.address ? `, moving ${w.address}/${w.prefix} and the default route` : ''} (${net.backend}, confirmed within ${timeoutSec} s)`
        const step: Step = {
          summary,
          invalidates: ['network', ...ALWAYS_STALE],
          run: async (conn, ctx) => {
            await confirmedApply(conn, ctx, {
              apply,
              restore: restoreScript(snapshot, ctx.journal.originals()),
              timeoutSec,
              probes: probesFor(w, opts.probes ?? []),
              checks: [libvirtAnswers],
              verify: VERIFY,
            })
          },
        }
        const plan = `${net.backend === 'iproute2' ? cmds.join('; ') : apply}. Rollback unless confirmed within ${timeoutSec} s restores: ${describeSnapshot(snapshot, [])} and the files this run changed`
        return { steps: [step], reason: plan }
      },
    },
    opts,
  )
}
