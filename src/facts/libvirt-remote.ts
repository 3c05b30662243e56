/**
 * Reads libvirt's networks and domains through libvirt's RPC protocol over an
 * SSH channel forwarded to the host's read-only libvirt socket: the same
 * answers virsh gives (the same API calls behind net-info, domstate and
 * dumpxml), with no process started on the host. Where that is not possible
 * (no socket, forwarding disabled in sshd, an auth scheme kvmplay does not
 * speak) it answers undefined and the virsh script runs instead.
 */
import type { Connection } from '../connection/types.ts'
import { KvmplayError } from '../core/errors.ts'
import { LibvirtCallError, LibvirtRpc } from '../libvirt/rpc.ts'
import { XdrReader, XdrWriter } from '../libvirt/xdr.ts'
import { domainEntry, networkEntry } from './libvirt.ts'
import type { LibvirtDomain, LibvirtNetwork, LibvirtState } from './libvirt.ts'

/** Served by libvirtd, or by virtproxyd with the modular daemons. */
export const LIBVIRT_RO_SOCKET = '/run/libvirt/libvirt-sock-ro'
const URI = 'qemu:///system'
const READ_TIMEOUT_MS = 60_000

// Procedure numbers and flags from libvirt's remote_protocol.x and headers.
const PROC = {
  CONNECT_OPEN: 1,
  DOMAIN_GET_XML_DESC: 14,
  NETWORK_GET_XML_DESC: 43,
  NETWORK_GET_AUTOSTART: 44,
  NETWORK_GET_BRIDGE_NAME: 45,
  AUTH_LIST: 66,
  NETWORK_IS_ACTIVE: 152,
  NETWORK_IS_PERSISTENT: 153,
  DOMAIN_GET_STATE: 212,
  CONNECT_LIST_ALL_DOMAINS: 273,
  CONNECT_LIST_ALL_NETWORKS: 283,
} as const
const VIR_CONNECT_RO = 1
const AUTH_NONE = 0
const VIR_NETWORK_XML_INACTIVE = 1
const VIR_DOMAIN_XML_INACTIVE = 2
/** virDomainState, worded as virsh domstate words it. */
const DOMAIN_STATES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended']

interface NetRef {
  name: string
  uuid: Buffer
}
interface DomRef extends NetRef {
  id: number
}

const netArg = (n: NetRef) => new XdrWriter().string(n.name).fixed(n.uuid)
const domArg = (d: DomRef) => new XdrWriter().string(d.name).fixed(d.uuid).i32(d.id)
const readNet = (r: XdrReader): NetRef => ({ name: r.string(), uuid: r.fixed(16) })
const readDom = (r: XdrReader): DomRef => ({ name: r.string(), uuid: r.fixed(16), id: r.i32() })

/** virsh's own orders: networks by name; running domains by id, then the others by name. */
const byName = (a: NetRef, b: NetRef) => a.name.toLowerCase().localeCompare(b.name.toLowerCase())
const virshDomainOrder = (a: DomRef, b: DomRef) => (a.id !== -1 && b.id !== -1 ? a.id - b.id : a.id !== -1 ? -1 : b.id !== -1 ? 1 : byName(a, b))

/** One libvirt session per SSH connection, opened on first use; undefined when the host does not allow it. */
const sessions = new WeakMap<Connection, Promise<LibvirtRpc | undefined>>()

async function openSession(conn: Connection): Promise<LibvirtRpc | undefined> {
  if (!conn.openUnixSocket) return undefined
  let rpc: LibvirtRpc | undefined
  try {
    rpc = new LibvirtRpc(await conn.openUnixSocket(LIBVIRT_RO_SOCKET))
    const auth = (await rpc.call(PROC.AUTH_LIST)).array((r) => r.i32())
    if (auth.length > 0 && !auth.includes(AUTH_NONE)) throw new Error(`libvirt wants authentication (${auth.join(',')})`)
    await rpc.call(PROC.CONNECT_OPEN, new XdrWriter().optString(URI).u32(VIR_CONNECT_RO).toBuffer())
    return rpc
  } catch {
    rpc?.close()
    return undefined
  }
}

const session = (conn: Connection) => {
  let s = sessions.get(conn)
  if (!s) sessions.set(conn, (s = openSession(conn)))
  return s
}

async function readState(rpc: LibvirtRpc): Promise<LibvirtState> {
  const call = (proc: number, args: XdrWriter) => rpc.call(proc, args.toBuffer())
  const list = (proc: number) => call(proc, new XdrWriter().i32(1).u32(0))
  const [nets, doms] = await Promise.all([
    list(PROC.CONNECT_LIST_ALL_NETWORKS).then((r) => r.array(readNet).sort(byName)),
    list(PROC.CONNECT_LIST_ALL_DOMAINS).then((r) => r.array(readDom).sort(virshDomainOrder)),
  ])
  const networks = nets.map(async (n): Promise<LibvirtNetwork> => {
    const [xml, active, persistent, autostart, bridge] = await Promise.all([
      call(PROC.NETWORK_GET_XML_DESC, netArg(n).u32(VIR_NETWORK_XML_INACTIVE)).then((r) => r.string()),
      call(PROC.NETWORK_IS_ACTIVE, netArg(n)).then((r) => r.i32() === 1),
      call(PROC.NETWORK_IS_PERSISTENT, netArg(n)).then((r) => r.i32() === 1),
      call(PROC.NETWORK_GET_AUTOSTART, netArg(n)).then((r) => r.i32() === 1),
      // net-info leaves Bridge out when the network has none.
      call(PROC.NETWORK_GET_BRIDGE_NAME, netArg(n)).then(
        (r) => r.string(),
        (e) => (e instanceof LibvirtCallError ? undefined : Promise.reject(e)),
      ),
    ])
    return networkEntry(n.name, { active, persistent, autostart, bridge }, xml)
  })
  const domains = doms.map(async (d): Promise<LibvirtDomain> => {
    const [state, xml, live] = await Promise.all([
      call(PROC.DOMAIN_GET_STATE, domArg(d).u32(0)).then((r) => DOMAIN_STATES[r.i32()] ?? 'no state'),
      call(PROC.DOMAIN_GET_XML_DESC, domArg(d).u32(VIR_DOMAIN_XML_INACTIVE)).then((r) => r.string()),
      call(PROC.DOMAIN_GET_XML_DESC, domArg(d).u32(0)).then((r) => r.string()),
    ])
    return domainEntry(d.name, state, xml, live)
  })
  return {
    available: true,
    networks: new Map((await Promise.all(networks)).map((n) => [n.name, n])),
    domains: new Map((await Promise.all(domains)).map((d) => [d.name, d])),
  }
}

/**
 * The state over RPC, or undefined when this host's libvirt cannot be read
 * that way (then the virsh script is the way). A session that breaks
 * mid-read is dropped, and the read falls back too.
 */
export async function readLibvirtRemote(conn: Connection): Promise<LibvirtState | undefined> {
  const rpc = await session(conn)
  if (!rpc) return undefined
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KvmplayError('timeout', `${conn.host}: libvirt did not answer within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS)
  })
  try {
    return await Promise.race([readState(rpc), timeout])
  } catch (err) {
    // A domain or network that vanished between the listing and the reads: read again, by virsh.
    sessions.delete(conn)
    rpc.close()
    if (err instanceof KvmplayError) throw err
    return undefined
  } finally {
    clearTimeout(timer)
  }
}
