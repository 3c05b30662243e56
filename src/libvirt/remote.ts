/**
 * libvirt's API over its RPC protocol, through an SSH channel forwarded to
 * the host's libvirt socket: the calls virsh makes, without starting virsh
 * (or anything) on the host. A read-only session for facts, a read-write one
 * for changes, each opened once per SSH connection. Undefined where the host
 * does not allow it (no socket, sshd refuses forwarding, authentication
 * kvmplay does not speak): callers then run virsh.
 */
import type { Connection } from '../connection/types.ts'
import { LibvirtRpc } from './rpc.ts'
import { XdrReader, XdrWriter } from './xdr.ts'

/** Served by libvirtd, or by virtproxyd with the modular daemons. */
const SOCKETS = { ro: '/run/libvirt/libvirt-sock-ro', rw: '/run/libvirt/libvirt-sock' } as const
const URI = 'qemu:///system'

// Procedure numbers and flags from libvirt's remote_protocol.x and public headers.
const PROC = {
  CONNECT_OPEN: 1,
  CONNECT_SUPPORTS_FEATURE: 60,
  AUTH_LIST: 66,
  AUTH_POLKIT: 70,
  DOMAIN_GET_XML_DESC: 14,
  DOMAIN_LOOKUP_BY_NAME: 23,
  NETWORK_CREATE: 39,
  NETWORK_DEFINE_XML: 41,
  NETWORK_DESTROY: 42,
  NETWORK_GET_XML_DESC: 43,
  NETWORK_GET_AUTOSTART: 44,
  NETWORK_GET_BRIDGE_NAME: 45,
  NETWORK_LOOKUP_BY_NAME: 46,
  NETWORK_SET_AUTOSTART: 48,
  NETWORK_UNDEFINE: 49,
  NETWORK_IS_ACTIVE: 152,
  NETWORK_IS_PERSISTENT: 153,
  DOMAIN_UPDATE_DEVICE_FLAGS: 174,
  DOMAIN_GET_STATE: 212,
  CONNECT_LIST_ALL_DOMAINS: 273,
  CONNECT_LIST_ALL_NETWORKS: 283,
  NETWORK_UPDATE: 291,
  STORAGE_POOL_DEFINE_XML: 77,
  STORAGE_POOL_CREATE: 78,
  STORAGE_POOL_BUILD: 79,
  STORAGE_POOL_LOOKUP_BY_NAME: 84,
  STORAGE_POOL_SET_AUTOSTART: 90,
} as const
const VIR_CONNECT_RO = 1
/** remote_auth_type (remote_protocol.x). */
const AUTH = { NONE: 0, SASL: 1, POLKIT: 2 } as const
export const VIR_NETWORK_XML_INACTIVE = 1
export const VIR_DOMAIN_XML_INACTIVE = 2
export const VIR_DOMAIN_AFFECT_LIVE = 1
export const VIR_DOMAIN_AFFECT_CONFIG = 2
/** virNetworkUpdateCommand (libvirt-network.h); virsh's `add` is add-last. */
export const VIR_NETWORK_UPDATE_COMMAND = { modify: 1, delete: 2, add: 3 } as const
export const VIR_NETWORK_SECTION_IP_DHCP_HOST = 4
export const VIR_NETWORK_UPDATE_AFFECT_LIVE = 1
export const VIR_NETWORK_UPDATE_AFFECT_CONFIG = 2
/** libvirt_internal.h, appended after VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK (15); not in the public headers. */
const VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER = 16

export interface NetRef {
  name: string
  uuid: Buffer
}
/** remote_nonnull_storage_pool: a name and uuid, as a network's. */
export type PoolRef = NetRef
export interface DomRef extends NetRef {
  /** -1 when not running. */
  id: number
}

const net = (n: NetRef) => new XdrWriter().string(n.name).fixed(n.uuid)
const dom = (d: DomRef) => new XdrWriter().string(d.name).fixed(d.uuid).i32(d.id)
const readNet = (r: XdrReader): NetRef => ({ name: r.string(), uuid: r.fixed(16) })
const readDom = (r: XdrReader): DomRef => ({ name: r.string(), uuid: r.fixed(16), id: r.i32() })

/** The API calls kvmplay makes; each is the one behind the virsh command named. */
export class LibvirtRemote {
  /** Whether this libvirtd takes net-update's command and section in their declared order (asked once a session). */
  private updateOrderFixed?: Promise<boolean>

  constructor(private readonly rpc: LibvirtRpc) {}

  private call(proc: number, args?: XdrWriter): Promise<XdrReader> {
    return this.rpc.call(proc, args?.toBuffer())
  }

  close(): void {
    this.rpc.close()
  }

  // Reads (net-list, list, net-dumpxml, net-info, dumpxml, domstate).
  listNetworks = async () => (await this.call(PROC.CONNECT_LIST_ALL_NETWORKS, new XdrWriter().i32(1).u32(0))).array(readNet)
  listDomains = async () => (await this.call(PROC.CONNECT_LIST_ALL_DOMAINS, new XdrWriter().i32(1).u32(0))).array(readDom)
  networkXml = async (n: NetRef, flags: number) => (await this.call(PROC.NETWORK_GET_XML_DESC, net(n).u32(flags))).string()
  networkIsActive = async (n: NetRef) => (await this.call(PROC.NETWORK_IS_ACTIVE, net(n))).i32() === 1
  networkIsPersistent = async (n: NetRef) => (await this.call(PROC.NETWORK_IS_PERSISTENT, net(n))).i32() === 1
  networkAutostart = async (n: NetRef) => (await this.call(PROC.NETWORK_GET_AUTOSTART, net(n))).i32() === 1
  networkBridge = async (n: NetRef) => (await this.call(PROC.NETWORK_GET_BRIDGE_NAME, net(n))).string()
  domainXml = async (d: DomRef, flags: number) => (await this.call(PROC.DOMAIN_GET_XML_DESC, dom(d).u32(flags))).string()
  /** virDomainState: 1 running, 3 paused, 5 shut off, … */
  domainState = async (d: DomRef) => (await this.call(PROC.DOMAIN_GET_STATE, dom(d).u32(0))).i32()

  // Changes (net-define, net-start, net-autostart, net-destroy, net-undefine, update-device).
  lookupNetwork = async (name: string) => readNet(await this.call(PROC.NETWORK_LOOKUP_BY_NAME, new XdrWriter().string(name)))
  lookupDomain = async (name: string) => readDom(await this.call(PROC.DOMAIN_LOOKUP_BY_NAME, new XdrWriter().string(name)))
  defineNetwork = async (xml: string) => readNet(await this.call(PROC.NETWORK_DEFINE_XML, new XdrWriter().string(xml)))
  startNetwork = async (n: NetRef) => void (await this.call(PROC.NETWORK_CREATE, net(n)))
  setNetworkAutostart = async (n: NetRef, on: boolean) => void (await this.call(PROC.NETWORK_SET_AUTOSTART, net(n).i32(on ? 1 : 0)))
  destroyNetwork = async (n: NetRef) => void (await this.call(PROC.NETWORK_DESTROY, net(n)))
  undefineNetwork = async (n: NetRef) => void (await this.call(PROC.NETWORK_UNDEFINE, net(n)))
  updateDevice = async (d: DomRef, xml: string, flags: number) => void (await this.call(PROC.DOMAIN_UPDATE_DEVICE_FLAGS, dom(d).string(xml).u32(flags)))

  // Storage pools (pool-define, pool-build, pool-start, pool-autostart); a pool reference is written as a network's.
  lookupPool = async (name: string): Promise<PoolRef> => readNet(await this.call(PROC.STORAGE_POOL_LOOKUP_BY_NAME, new XdrWriter().string(name)))
  definePool = async (xml: string): Promise<PoolRef> => readNet(await this.call(PROC.STORAGE_POOL_DEFINE_XML, new XdrWriter().string(xml).u32(0)))
  buildPool = async (p: PoolRef) => void (await this.call(PROC.STORAGE_POOL_BUILD, net(p).u32(0)))
  startPool = async (p: PoolRef) => void (await this.call(PROC.STORAGE_POOL_CREATE, net(p).u32(0)))
  setPoolAutostart = async (p: PoolRef, on: boolean) => void (await this.call(PROC.STORAGE_POOL_SET_AUTOSTART, net(p).i32(on ? 1 : 0)))

  /**
   * net-update. From libvirt 0.10.2 the public API handed command and
   * section to its driver swapped, so an older libvirtd reads them swapped
   * off the wire; a fixed one says so through a feature query, and libvirt's
   * own client (libvirt-network.c, virNetworkUpdate) asks before sending.
   * So do we.
   */
  updateNetwork = async (n: NetRef, command: number, section: number, parentIndex: number, xml: string, flags: number) => {
    this.updateOrderFixed ??= this.supportsFeature(VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER).catch((err) => {
      this.updateOrderFixed = undefined
      throw err
    })
    const [first, second] = (await this.updateOrderFixed) ? [command, section] : [section, command]
    await this.call(PROC.NETWORK_UPDATE, net(n).u32(first).u32(second).i32(parentIndex).string(xml).u32(flags))
  }

  private supportsFeature = async (feature: number) => (await this.call(PROC.CONNECT_SUPPORTS_FEATURE, new XdrWriter().i32(feature))).i32() === 1
}

/** The calls a list of libvirt changes makes (changes.ts): what a test's fake needs to record. */
export type LibvirtChangeApi = Pick<
  LibvirtRemote,
  | 'lookupNetwork'
  | 'lookupDomain'
  | 'defineNetwork'
  | 'startNetwork'
  | 'setNetworkAutostart'
  | 'destroyNetwork'
  | 'undefineNetwork'
  | 'updateDevice'
  | 'updateNetwork'
  | 'lookupPool'
  | 'definePool'
  | 'buildPool'
  | 'startPool'
  | 'setPoolAutostart'
>

/**
 * The byte stream to libvirtd. A forwarded socket is opened by sshd as the
 * login user, so a connection that becomes root (sudo, su, doas) reaches the
 * socket through libvirt's own relay instead, virt-ssh-helper (what
 * `qemu+ssh://…?proxy=native` runs), started on an escalated channel.
 */
function libvirtStream(conn: Connection, mode: 'ro' | 'rw') {
  if (conn.login?.becomeUser !== undefined) return conn.openStream?.(`virt-ssh-helper ${mode === 'ro' ? '-r ' : ''}${URI}`)
  return conn.openUnixSocket?.(SOCKETS[mode])
}

async function open(conn: Connection, mode: 'ro' | 'rw'): Promise<LibvirtRemote | undefined> {
  let rpc: LibvirtRpc | undefined
  try {
    const stream = await libvirtStream(conn, mode)
    if (!stream) return undefined
    rpc = new LibvirtRpc(stream)
    // Which authentication it wants, first, as virsh asks: Debian's and
    // RHEL's libvirtd want polkit on both sockets by default (auth_unix_ro,
    // auth_unix_rw), and lets a root client through on that question alone
    // ("Bypass polkit auth for privileged client"); an open without asking
    // is refused ("authentication required"). Another login asks polkit,
    // whose rules (group libvirt on Debian) answer; SASL kvmplay does not
    // speak — then virsh runs instead.
    const kinds = (await rpc.call(PROC.AUTH_LIST)).array((r) => r.i32())
    if (!kinds.includes(AUTH.NONE)) {
      if (!kinds.includes(AUTH.POLKIT)) throw new Error(`libvirtd wants authentication kvmplay does not speak (${kinds.join(', ')})`)
      await rpc.call(PROC.AUTH_POLKIT)
    }
    await rpc.call(PROC.CONNECT_OPEN, new XdrWriter().optString(URI).u32(mode === 'ro' ? VIR_CONNECT_RO : 0).toBuffer())
    return new LibvirtRemote(rpc)
  } catch {
    rpc?.close()
    return undefined
  }
}

const sessions = { ro: new WeakMap<Connection, Promise<LibvirtRemote | undefined>>(), rw: new WeakMap<Connection, Promise<LibvirtRemote | undefined>>() }

/** This connection's session (opened on first use), or undefined where the host does not allow one. */
export function libvirtSession(conn: Connection, mode: 'ro' | 'rw'): Promise<LibvirtRemote | undefined> {
  let s = sessions[mode].get(conn)
  if (!s) sessions[mode].set(conn, (s = open(conn, mode)))
  return s
}

/**
 * The session to read with: the read-write one where this connection
 * already opened it for a change (one session fewer to open), else the
 * read-only one.
 */
export async function libvirtReader(conn: Connection): Promise<{ api: LibvirtRemote; mode: 'ro' | 'rw' } | undefined> {
  const rw = await sessions.rw.get(conn)
  if (rw) return { api: rw, mode: 'rw' }
  const ro = await libvirtSession(conn, 'ro')
  return ro && { api: ro, mode: 'ro' }
}

/** Drops a session that broke: the next use opens a new one. */
export function dropLibvirtSession(conn: Connection, mode: 'ro' | 'rw', remote: LibvirtRemote): void {
  remote.close()
  sessions[mode].delete(conn)
}
