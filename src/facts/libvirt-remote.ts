/**
 * Reads libvirt's networks and domains over libvirt's RPC protocol
 * (src/libvirt/remote.ts): the same answers as the virsh script (the same
 * API calls behind net-info, domstate and dumpxml), with no process started
 * on the host. Undefined where the host does not allow it: then the virsh
 * script runs.
 */
import type { Connection } from '../connection/types.ts'
import { KvmplayError } from '../core/errors.ts'
import type { Resource } from '../core/resource.ts'
import { LibvirtCallError, LibvirtTimeoutError } from '../libvirt/rpc.ts'
import { dropLibvirtSession, libvirtReader, VIR_DOMAIN_XML_INACTIVE, VIR_NETWORK_XML_INACTIVE } from '../libvirt/remote.ts'
import type { DomRef, LibvirtRemote, NetRef } from '../libvirt/remote.ts'
import { domainEntry, networkEntry } from './libvirt.ts'
import { orderLibvirtState } from './libvirt-order.ts'
import type { LibvirtDomain, LibvirtNetwork, LibvirtState } from './libvirt.ts'

/** virDomainState, worded as virsh domstate words it. */
const DOMAIN_STATES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended']
const SHUT_OFF = DOMAIN_STATES[5]

async function readNetwork(api: LibvirtRemote, n: NetRef): Promise<LibvirtNetwork> {
  const [xml, active, persistent, autostart, bridge] = await Promise.all([
    api.networkXml(n, VIR_NETWORK_XML_INACTIVE),
    api.networkIsActive(n),
    api.networkIsPersistent(n),
    api.networkAutostart(n),
    // net-info leaves Bridge out when the network has none.
    api.networkBridge(n).catch((e) => (e instanceof LibvirtCallError ? undefined : Promise.reject(e))),
  ])
  return networkEntry(n.name, { active, persistent, autostart, bridge }, xml)
}

async function readDomain(api: LibvirtRemote, d: DomRef): Promise<LibvirtDomain> {
  // A domain that is not running (no id) is shut off and has no live XML: two calls fewer.
  if (d.id === -1) return domainEntry(d.name, SHUT_OFF, await api.domainXml(d, VIR_DOMAIN_XML_INACTIVE), '')
  const [state, xml, live] = await Promise.all([api.domainState(d), api.domainXml(d, VIR_DOMAIN_XML_INACTIVE), api.domainXml(d, 0)])
  return domainEntry(d.name, DOMAIN_STATES[state] ?? 'no state', xml, live)
}

async function readState(api: LibvirtRemote): Promise<LibvirtState> {
  const nets = await api.listNetworks()
  const doms = await api.listDomains()
  const [networks, domains] = await Promise.all([Promise.all(nets.map((n) => readNetwork(api, n))), Promise.all(doms.map((d) => readDomain(api, d)))])
  const ids = new Map(doms.map((d) => [d.name, d.id]))
  const state = { available: true, networks: new Map(networks.map((n) => [n.name, n])), domains: new Map(domains.map((d) => [d.name, d])) }
  return orderLibvirtState(state, (name) => ids.get(name)!)
}

/** libvirt's codes for a lookup of a name it does not know (virerror.h). */
const NO_DOMAIN = 42
const NO_NETWORK = 43
const missing = (code: number) => (e: unknown) => (e instanceof LibvirtCallError && e.code === code ? undefined : Promise.reject(e))

/** The state with only the named networks and domains read again (or removed, when libvirt no longer has them). */
async function refreshState(api: LibvirtRemote, current: LibvirtState, touched: Resource[]): Promise<LibvirtState | undefined> {
  const networks = new Map(current.networks)
  const domains = new Map(current.domains)
  for (const r of touched) {
    if (r.kind === 'libvirt-network' && r.name !== undefined) {
      const ref = await api.lookupNetwork(r.name).catch(missing(NO_NETWORK))
      if (ref) networks.set(r.name, await readNetwork(api, ref))
      else networks.delete(r.name)
    } else if (r.kind === 'libvirt-domain' && r.name !== undefined) {
      const ref = await api.lookupDomain(r.name).catch(missing(NO_DOMAIN))
      if (ref) domains.set(r.name, await readDomain(api, ref))
      else domains.delete(r.name)
    } else {
      // All networks, all domains or anything: no part to read alone.
      return undefined
    }
  }
  // In virsh's order, as a whole read has them (a new network's place, a guest that stopped).
  return orderLibvirtState({ ...current, networks, domains })
}

/**
 * `read` over this connection's libvirt session, or undefined when the host
 * does not allow one. A read that breaks (a guest undefined between the
 * listing and its XML, a session that died) drops the session and answers
 * undefined, so the caller reads another way.
 */
async function viaSession<T>(conn: Connection, read: (api: LibvirtRemote) => Promise<T | undefined>): Promise<T | undefined> {
  const session = await libvirtReader(conn)
  if (!session) return undefined
  try {
    return await read(session.api)
  } catch (err) {
    dropLibvirtSession(conn, session.mode, session.api)
    if (err instanceof LibvirtTimeoutError) throw new KvmplayError('timeout', `${conn.host}: ${err.message}`)
    return undefined
  }
}

/**
 * The state brought up to date over RPC where only some named networks and
 * domains changed; undefined when that cannot be done here — the whole
 * state is read instead.
 */
export async function refreshLibvirtRemote(conn: Connection, current: LibvirtState, touched: Resource[]): Promise<LibvirtState | undefined> {
  return current.available ? viaSession(conn, (api) => refreshState(api, current, touched)) : undefined
}

/** The state over RPC, or undefined when this host's libvirt cannot be read that way: then the virsh script reads. */
export function readLibvirtRemote(conn: Connection): Promise<LibvirtState | undefined> {
  return viaSession(conn, readState)
}
