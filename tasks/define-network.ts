/**
 * defineNetwork: a libvirt network — NAT (the seed's default.xml, with static
 * DHCP leases), bridge-forward (the seed's br0.xml) or isolated — defined,
 * started and autostarted as asked, changed in place when it exists:
 * DHCP host entries updated in place, live and persistent (no restart, guests
 * keep their link); anything else redefined keeping the uuid, and restarted
 * only when it is running, saying so.
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import type { LibvirtState } from '../src/facts/libvirt.ts'
import { renderTemplate } from '../src/render.ts'
import { compareNetworks, isUnchanged, mergeWanted, networkTemplateVars } from '../src/libvirt/network.ts'
import type { DhcpHost, NetworkOptions, NetworkSpec } from '../src/libvirt/network.ts'
import { libvirtChangeStep } from '../src/libvirt/changes.ts'
import { leftoverBridge } from '../src/libvirt/leftover-bridge.ts'
import { hostNetworkFact } from '../src/facts/network.ts'
import { commandStep } from '../src/core/step.ts'
import { sh } from '../src/core/quote.ts'
import { resource } from '../src/core/resource.ts'
import type { LibvirtChange } from '../src/libvirt/changes.ts'
import { hostname, interfaceName, ipv4, libvirtName, mac, netmaskToPrefix, port, prefixLength } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { boolean, checkOptions, listOf, literal, number, object, required, string } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

/** The network as asked for (src/libvirt/network.ts; its `name` is the network's), and the task's options. */
export interface DefineNetworkOptions extends Omit<TaskOptions, 'name'>, NetworkOptions {}

/** What defineNetwork() takes, checked when the playbook loads (shape.ts); `name` is the network's. */
export const defineNetworkShape = object<DefineNetworkOptions>({
  ...taskOptionFields,
  name: required(string),
  forward: required(literal('nat', 'route', 'bridge', 'isolated')),
  bridge: required(string),
  address: string,
  prefix: number,
  netmask: string,
  dhcp: object<NonNullable<NetworkOptions['dhcp']>>({
    start: required(string),
    end: required(string),
    hosts: listOf(object<{ mac: string; ip: string; name?: string }>({ mac: required(string), ip: required(string), name: string })),
  }),
  natPorts: object<NonNullable<NetworkOptions['natPorts']>>({ start: required(number), end: required(number) }),
  stp: boolean,
  delay: number,
  autostart: boolean,
  active: boolean,
  restart: boolean,
  identity: object<NonNullable<NetworkOptions['identity']>>({ uuid: string, mac: string }),
})

type Wanted = Partial<NetworkSpec> & Pick<NetworkSpec, 'name' | 'forward'>

export function wantedNetwork(o: DefineNetworkOptions): Wanted {
  const forward = o.forward
  const w: Wanted = { name: libvirtName(o.name, 'network name'), forward, bridge: interfaceName(o.bridge, 'bridge name') }
  if (forward === 'bridge') {
    if (o.address || o.dhcp || o.natPorts) throw new KvmplayError('validation', `network ${o.name}: a bridge-forward network has no address, DHCP or NAT of its own`)
    return w
  }
  if (o.address !== undefined) w.address = ipv4(o.address, 'network address')
  if (o.prefix !== undefined) w.prefix = prefixLength(o.prefix)
  else if (o.netmask !== undefined) w.prefix = netmaskToPrefix(o.netmask)
  if (w.address && w.prefix === undefined) throw new KvmplayError('validation', `network ${o.name}: give prefix (e.g. 24) or netmask with the address`)
  if (o.dhcp) {
    if (!w.address) throw new KvmplayError('validation', `network ${o.name}: DHCP needs the network's address`)
    w.dhcpRanges = [{ start: ipv4(o.dhcp.start, 'DHCP range start'), end: ipv4(o.dhcp.end, 'DHCP range end') }]
    if (o.dhcp.hosts) {
      const seen = new Set<string>()
      w.dhcpHosts = o.dhcp.hosts.map((h) => {
        const host: DhcpHost = { mac: mac(h.mac, 'DHCP host MAC'), ip: ipv4(h.ip, 'DHCP host IP'), name: h.name === undefined ? undefined : hostname(h.name, 'DHCP host name') }
        if (seen.has(host.mac)) throw new KvmplayError('validation', `network ${o.name}: MAC ${host.mac} has two DHCP host entries`)
        seen.add(host.mac)
        return host
      })
    }
  }
  if (o.natPorts) {
    if (forward !== 'nat') throw new KvmplayError('validation', `network ${o.name}: natPorts only apply to forward: 'nat'`)
    w.natPorts = { start: port(o.natPorts.start, 'NAT port range start'), end: port(o.natPorts.end, 'NAT port range end') }
    if (w.natPorts.start > w.natPorts.end) throw new KvmplayError('validation', `network ${o.name}: NAT port range ${w.natPorts.start}-${w.natPorts.end} is backwards`)
  }
  if (o.stp !== undefined) w.stp = Boolean(o.stp)
  if (o.delay !== undefined) w.delay = Number(o.delay)
  return w
}

/** The network as XML through our template: the same layout for before and after, so a diff shows meaning, not formatting. */
export const networkXml = (spec: NetworkSpec, identity = {}) => renderTemplate('libvirt/network.xml.hbs', networkTemplateVars(spec, identity))

/** Names of the domains with an interface on this network (persistent or live). */
export function domainsOn(state: LibvirtState, network: string): string[] {
  return [...state.domains.values()]
    .filter((d) => [...d.interfaces, ...(d.liveInterfaces ?? [])].some((i) => i.type === 'network' && i.source === network))
    .map((d) => (d.state === 'running' ? `${d.name} (running)` : d.name))
}

export function defineNetwork(opts: DefineNetworkOptions): Task {
  checkOptions('defineNetwork', opts, defineNetworkShape)
  const partial = wantedNetwork(opts)
  if (opts.identity?.uuid !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.identity.uuid)) {
    throw new KvmplayError('validation', `network ${opts.name}: invalid uuid ${JSON.stringify(opts.identity.uuid)}: expected the 8-4-4-4-12 hex form libvirt writes`)
  }
  if (opts.identity?.mac !== undefined) mac(opts.identity.mac, `network ${opts.name} bridge MAC`)
  const autostart = opts.autostart ?? true
  const active = opts.active ?? true
  const restart = opts.restart ?? true
  const name = partial.name
  return defineTask(
    {
      name: `network ${name} (${partial.forward}, ${partial.bridge})`,
      // The host's links are read only when a start is planned (leftover-bridge check): a no-op reads libvirt alone.
      facts: () => [factRequest(libvirtFact, undefined)],
      plan: async (host) => {
        const state = await host.fact(libvirtFact, undefined)
        // libvirt not installed yet (a --check of a bare host, its package an earlier task): planned as a new network, and said,
        // as storagePool does; a real run reads the fact again after the install, and its virsh step fails if libvirt is still missing.
        const missing = state.available ? undefined : 'virsh is not installed yet: planned as if an earlier task installs libvirt'
        const current = state.networks.get(name)
        const wanted = mergeWanted(current?.spec, partial)
        const steps: Step[] = []
        const notes: string[] = []
        const isActive = current?.active ?? false
        // libvirt creates the bridge of a nat/route/isolated network when it starts it, and refuses where one is left over.
        if (active && !isActive && wanted.forward !== 'bridge' && wanted.bridge) {
          const leftover = leftoverBridge(host.name, name, wanted.bridge, await host.fact(hostNetworkFact, undefined), state)
          if (leftover) {
            steps.push(
              commandStep(`delete ${leftover}, left by a libvirtd stopped mid-change (no active network holds it, no port on it), so that libvirt can create it`, sh`ip link del ${leftover}`, { touches: [resource.links] }),
            )
          }
        }
        if (!current) {
          // A new network: defined, autostarted and started by one virsh process (or one RPC session).
          const xml = networkXml(wanted, opts.identity ?? {})
          const changes: LibvirtChange[] = [
            { op: 'define-network', name, xml },
            ...(autostart ? [{ op: 'autostart-network', name, on: true } as const] : []),
            ...(active ? [{ op: 'start-network', name } as const] : []),
          ]
          const summary = `define network ${name}${autostart ? ', autostart it' : ''}${active ? ', start it' : ''}`
          steps.push(libvirtChangeStep(summary, changes, { diff: { label: `network ${name} (XML)`, before: '', after: xml } }))
          return { steps, reason: missing }
        } else {
          const change = compareNetworks(current.spec, wanted)
          if (!isUnchanged(change)) {
            const diff = { label: `network ${name} (XML)`, before: networkXml(current.spec, current.identity), after: networkXml(wanted, current.identity) }
            if (change.structural) {
              steps.push(libvirtChangeStep(`redefine network ${name} (same uuid ${current.identity.uuid})`, [{ op: 'define-network', name, xml: diff.after }], { diff }))
              if (current.active && restart) {
                const users = domainsOn(state, name)
                steps.push(
                  libvirtChangeStep(`restart network ${name} to apply it${users.length ? ` (guests on it lose their link: ${users.join(', ')})` : ''}`, [{ op: 'restart-network', name }]),
                )
                notes.push(`network ${name} restarted: its definition changed beyond DHCP hosts`)
              } else if (current.active) {
                notes.push(`network ${name} runs its old definition until restarted (restart: false)`)
              }
            } else {
              // DHCP leases only: in place, live and persistent, no restart.
              const update = (action: 'add' | 'modify' | 'delete', h: DhcpHost, i: number) =>
                libvirtChangeStep(`${action} DHCP host ${h.mac} → ${h.ip}${h.name ? ` (${h.name})` : ''} in ${name}`, [{ op: 'update-dhcp-host', network: name, action, host: h, live: current.active }], {
                  diff: i === 0 ? diff : undefined,
                })
              const updates = [
                ...change.removeHosts.map((h) => ['delete', h] as const),
                ...change.modifyHosts.map((h) => ['modify', h] as const),
                ...change.addHosts.map((h) => ['add', h] as const),
              ]
              steps.push(...updates.map(([action, h], i) => update(action, h, i)))
            }
          }
        }
        if (current?.autostart !== autostart) {
          steps.push(libvirtChangeStep(`${autostart ? 'autostart' : 'do not autostart'} network ${name}`, [{ op: 'autostart-network', name, on: autostart }]))
        }
        if (active && !isActive) {
          steps.push(libvirtChangeStep(`start network ${name}`, [{ op: 'start-network', name }]))
        }
        if (!active && isActive) {
          const users = domainsOn(state, name)
          if (users.length) throw new KvmplayError('precondition', `${host.name}: network ${name} cannot be stopped: in use by ${users.join(', ')}`)
          steps.push(libvirtChangeStep(`stop network ${name}`, [{ op: 'destroy-network', name }]))
        }
        const reason = steps.length ? notes.join('; ') || undefined : `network ${name} is defined as wished, ${active ? 'active' : 'inactive'}, ${autostart ? 'autostarted' : 'not autostarted'}`
        return { steps, reason }
      },
    },
    // `name` here is the network's; the task's display name is derived.
    { ...opts, name: undefined },
  )
}
