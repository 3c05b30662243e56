/**
 * editDomainInterface: moves domains' interfaces from a network (libvirt's
 * NAT `default`) to a bridge, or to another network — keeping MAC, model,
 * PCI address and every other setting. The persistent config always; the
 * running domain too, live (`update-device --live --config`). Where libvirt
 * cannot change it live, an explicit policy decides: 'never' restart (the
 * guest moves at its next boot) or 'shutdown-edit-start' (the seed's manual
 * sequence, with a bounded wait for the guest to shut down).
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import type { LibvirtDomain } from '../src/facts/libvirt.ts'
import { isAt, movedInterfaceXml } from '../src/libvirt/domain.ts'
import type { DomainInterface, InterfaceTarget } from '../src/libvirt/domain.ts'
import { libvirtChangeStep } from '../src/libvirt/changes.ts'
import type { LibvirtChange, RelinkNic } from '../src/libvirt/changes.ts'
import { interfaceName, libvirtName, mac as macAddress } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import type { Host } from '../src/core/host.ts'
import { natAddressesFact } from '../src/facts/guests.ts'
import { losesAddress, natIdentities } from '../src/guests/identity.ts'
import type { NatIdentity } from '../src/guests/types.ts'
import type { LibvirtState } from '../src/facts/libvirt.ts'
import { boolean, checkOptions, listOf, literal, number, object, oneOf, required, string } from '../src/core/shape.ts'
import type { Shape } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export type RestartPolicy = 'never' | 'shutdown-edit-start'

export interface EditDomainInterfaceOptions extends TaskOptions {
  /** One domain; all domains when omitted. */
  domain?: string
  /** Select the interface by MAC… */
  mac?: string
  /** …or by where it is now (e.g. { network: 'default' }). */
  from?: InterfaceTarget
  to: InterfaceTarget
  /** When libvirt cannot change a running domain live. Default 'never'. */
  restart?: RestartPolicy
  /** Seconds to wait for a guest to shut down (shutdown-edit-start). Default 120. */
  shutdownTimeout?: number
  /**
   * Move guests whose address was configured inside them (seen on the
   * network with no lease and no static entry), which lose it off the
   * network: true for all, or a list of domain names or MACs. Without it
   * (and without `--accept-static-guests`, the var `accept_static_guests`)
   * such a guest is not moved, and the task fails naming it once the others
   * have moved.
   */
  acceptStaticGuests?: boolean | readonly string[]
  /**
   * After a live move of a running guest's NIC to another L2 segment (a
   * network to a bridge, back, or another bridge): its link set down, held
   * down this many seconds (true: 2), and up again — live only, the
   * persistent config keeps no link state. Why: libvirt only re-plugs the
   * tap into the new bridge and the guest sees no carrier change, so it
   * keeps its NAT lease address (192.168.122.x) where nothing routes it,
   * until the lease renews (up to an hour with libvirt's default). A guest
   * whose DHCP client follows the carrier (NetworkManager, systemd-networkd,
   * dhcpcd, Windows) asks the new segment for an address at once; dhclient
   * under ifupdown does not react and still waits for its renewal. Default
   * true; false: no relink. One step after the moves bounces every moved
   * NIC at once (one wait for all, not one per guest). Never for a
   * persistent-only move, a guest not running, or a NIC whose link is down
   * already; a guest that 'shutdown-edit-start' restarted gets it too
   * (harmless: it has just asked for its address).
   */
  relink?: boolean | number
}

/** A bridge or a network: { bridge: 'br0' } or { network: 'default' }. */
const targetShape: Shape = oneOf(object<{ bridge: string }>({ bridge: required(string) }, '{ bridge: … }'), object<{ network: string }>({ network: required(string) }, '{ network: … }'))

/** What editDomainInterface() takes, checked when the playbook loads (shape.ts). */
export const editDomainInterfaceShape = object<EditDomainInterfaceOptions>({
  ...taskOptionFields,
  domain: string,
  mac: string,
  from: targetShape,
  to: required(targetShape),
  restart: literal('never', 'shutdown-edit-start'),
  shutdownTimeout: number,
  acceptStaticGuests: oneOf(boolean, listOf(string)),
  relink: oneOf(boolean, number),
})

/** The seconds a NIC's link is held down by relink: true is 2; false or 0 is none. */
function relinkSeconds(option: boolean | number | undefined): number {
  if (option === undefined || option === true) return 2
  if (option === false) return 0
  if (!(option >= 0 && option <= 300)) throw new KvmplayError('validation', `editDomainInterface: relink must be true, false or seconds from 0 to 300, not ${option}`)
  return option
}

/** Whether the task or the run (`--accept-static-guests`, `-e accept_static_guests=vm4,vm5`) accepts moving this guest. */
export function acceptsStaticGuest(option: boolean | readonly string[] | undefined, runVar: unknown, g: { guest: string; mac: string }): boolean {
  const names = (v: unknown): true | string[] => {
    if (v === true || v === 'true' || v === 'yes' || v === 1) return true
    if (typeof v === 'string') return v.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x && x !== 'false' && x !== 'no')
    return Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : []
  }
  return [option, runVar].some((v) => {
    const n = names(v)
    return n === true || n.includes(g.guest.toLowerCase()) || n.includes(g.mac)
  })
}

const heldBackMessage = (g: NatIdentity, to: InterfaceTarget) =>
  `${g.guest} (${g.mac}) was not moved: it has ${g.address} configured inside the guest (no lease, no static entry on ${g.network}), which it keeps on ${label(to)}, where nothing gives or routes it — it is unreachable until that is changed from its console. It is held back; the other guests move. To move it anyway: --accept-static-guests, -e accept_static_guests=${g.guest}, or acceptStaticGuests: true (or ['${g.guest}']) on editDomainInterface`

/** The NAT identities of the guests on the networks these NICs leave (read only where a NIC leaves one). */
async function identitiesOn(host: Host, state: LibvirtState, networks: Set<string>): Promise<NatIdentity[]> {
  const out: NatIdentity[] = []
  for (const n of networks) out.push(...natIdentities(host.name, state, n, await host.fact(natAddressesFact, n)))
  return out
}

/** A step that fails, last, so the other moves run first: the run says which guest was held back and what to do. */
function heldBackStep(g: NatIdentity, to: InterfaceTarget): Step {
  const error = new KvmplayError('precondition', heldBackMessage(g, to))
  return {
    summary: `hold back ${g.guest} ${g.mac}: ${g.address} configured inside the guest, lost on ${label(to)} (not accepted)`,
    touches: [],
    run: async () => {
      throw error
    },
  }
}

const target = (t: InterfaceTarget, field: string): InterfaceTarget =>
  'bridge' in t ? { bridge: interfaceName(t.bridge, `${field} bridge`) } : { network: libvirtName(t.network, `${field} network`) }
const label = (t: InterfaceTarget) => ('bridge' in t ? `bridge ${t.bridge}` : `network ${t.network}`)
const where = (i: DomainInterface) => `${i.type} ${i.source ?? '?'}`
const here = (i: DomainInterface): InterfaceTarget => (i.type === 'bridge' ? { bridge: i.source ?? '' } : { network: i.source ?? '' })

const cantLive = (d: LibvirtDomain, to: InterfaceTarget) => `${d.name}: persistent config moved to ${label(to)}, but the running guest could not be changed live`
const NEXT_BOOT_HINT = "it moves at its next boot, or use restart: 'shutdown-edit-start'"

/** The change that moves the interface: persistent only, live and persistent, or as the restart policy says where live is refused. */
function moveChange(d: LibvirtDomain, xml: string, to: InterfaceTarget, live: boolean, policy: RestartPolicy, timeout: number): LibvirtChange {
  if (!live) return { op: 'update-device', domain: d.name, xml, live: false }
  if (policy === 'never') return { op: 'update-device', domain: d.name, xml, live: 'or-next-boot', refused: { message: cantLive(d, to), hint: NEXT_BOOT_HINT } }
  return { op: 'shutdown-edit-start', domain: d.name, xml, timeoutSec: timeout }
}

/** The Linux bridge a NIC's frames reach: a bridge itself, or the network's (unknown networks by name, never equal to a bridge). */
function segment(t: InterfaceTarget, state: LibvirtState): string {
  if ('bridge' in t) return t.bridge
  const n = state.networks.get(t.network)
  return n?.bridge ?? n?.spec.bridge ?? `network ${t.network}`
}

function moveStep(d: LibvirtDomain, i: DomainInterface, to: InterfaceTarget, live: boolean, policy: RestartPolicy, timeout: number): Step {
  const xml = movedInterfaceXml(d.xml, i.mac, to)
  const summary = `move ${d.name} ${i.mac} (${i.model ?? 'nic'}${i.pci ? ` @ ${i.pci}` : ''}): ${where(i)} → ${label(to)}${live ? ', live and persistent' : ', persistent'}`
  const diff = { label: `${d.name} interface ${i.mac} (XML)`, before: movedInterfaceXml(d.xml, i.mac, here(i)) + '\n', after: xml + '\n' }
  return libvirtChangeStep(summary, [moveChange(d, xml, to, live, policy, timeout)], { diff })
}

/** The moved NICs' links bounced, all at once: their guests' DHCP clients ask the new segment (editDomainInterface's relink). */
function relinkStep(nics: RelinkNic[], seconds: number, to: InterfaceTarget): Step {
  const summary = `bounce the link of ${nics.map((n) => `${n.domain} ${n.mac}`).join(', ')} (down ${seconds} s, then up): their DHCP clients ask ${label(to)} for an address`
  return libvirtChangeStep(summary, [{ op: 'relink', nics, seconds }])
}

export function editDomainInterface(opts: EditDomainInterfaceOptions): Task {
  checkOptions('editDomainInterface', opts, editDomainInterfaceShape)
  const to = target(opts.to, 'to')
  const from = opts.from ? target(opts.from, 'from') : undefined
  const mac = opts.mac === undefined ? undefined : macAddress(opts.mac)
  const domain = opts.domain === undefined ? undefined : libvirtName(opts.domain, 'domain name')
  if (!mac && !from) throw new KvmplayError('validation', "editDomainInterface: say which interfaces to move: 'mac' or 'from' (e.g. { network: 'default' })")
  const policy = opts.restart ?? 'never'
  const timeout = opts.shutdownTimeout ?? 120
  const relinkSec = relinkSeconds(opts.relink)
  const selects = (i: DomainInterface) => (!mac || i.mac === mac) && (!from || isAt(i, from) || isAt(i, to))
  return defineTask(
    {
      name: `move ${domain ?? 'domain'} interfaces ${mac ?? (from ? `on ${label(from)}` : '')} → ${label(to)}`,
      facts: () => [factRequest(libvirtFact, undefined)],
      plan: async (host) => {
        const state = await host.fact(libvirtFact, undefined)
        const domains = domain ? [state.domains.get(domain)].filter((d): d is LibvirtDomain => !!d) : [...state.domains.values()]
        if (domain && domains.length === 0) throw new KvmplayError('precondition', `${host.name}: no domain named ${domain}`)
        const steps: Step[] = []
        const pending: string[] = []
        const held: Step[] = []
        const relinks: RelinkNic[] = []
        const heldNotes: string[] = []
        let matched = 0
        // Guests configured inside lose their address off a network: their NAT identity decides, read only when a NIC leaves one.
        const leaving = new Set(domains.flatMap((d) => [...d.interfaces, ...(d.liveInterfaces ?? [])].filter((i) => selects(i) && i.type === 'network' && !isAt(i, to)).map((i) => i.source ?? '')))
        const identities = leaving.size ? await identitiesOn(host, state, leaving) : []
        for (const d of domains) {
          for (const i of d.interfaces.filter(selects)) {
            matched++
            const liveI = d.liveInterfaces?.find((l) => l.mac === i.mac)
            const configDone = isAt(i, to)
            const liveDone = !liveI || isAt(liveI, to)
            if (configDone && liveDone) continue
            if (configDone && !liveDone) {
              // Persistent already moved earlier under restart: 'never'; the guest moves at its next boot.
              if (policy === 'never') {
                pending.push(`${d.name} ${i.mac} moves at next boot`)
                continue
              }
            }
            const from = configDone && liveI ? liveI : i
            const id = from.type === 'network' ? identities.find((g) => g.guest === d.name && g.mac === i.mac && g.network === from.source) : undefined
            if (id && losesAddress(id) && !acceptsStaticGuest(opts.acceptStaticGuests, host.vars.accept_static_guests, id)) {
              held.push(heldBackStep(id, to))
              heldNotes.push(heldBackMessage(id, to))
              continue
            }
            const live = !!liveI && !liveDone
            // A relink where the guest runs, its link is up, and the move changes its L2 segment.
            if (relinkSec > 0 && live && d.state === 'running' && liveI.link !== 'down' && segment(here(liveI), state) !== segment(to, state)) {
              relinks.push({ domain: d.name, mac: i.mac, xml: movedInterfaceXml(d.xml, i.mac, to) })
            }
            steps.push(moveStep(d, from, to, live, policy, timeout))
          }
        }
        // In a stable order (libvirt lists domains as it pleases): the same plan reads the same.
        relinks.sort((a, b) => a.domain.localeCompare(b.domain) || a.mac.localeCompare(b.mac))
        if (relinks.length) steps.push(relinkStep(relinks, relinkSec, to))
        if (mac && matched === 0) throw new KvmplayError('precondition', `${host.name}: no ${domain ? `interface of ${domain}` : 'domain interface'} has MAC ${mac}`)
        if (held.length) return { steps: [...steps, ...held], reason: heldNotes.join('. ') }
        const reason = steps.length
          ? undefined
          : `${matched ? `all ${matched} selected interface(s) are on ${label(to)}` : 'no interface selected'}${pending.length ? ` (persistent; ${pending.join(', ')})` : ''}`
        return { steps, reason }
      },
    },
    opts,
  )
}

