/** Whether libvirtd answers on a host: asked over libvirt's RPC session where there is one, else through virsh. */
import type { Connection } from '../connection/types.ts'
import { libvirtReader } from './remote.ts'

/**
 * libvirtd answers: a call over this connection's libvirt session (opened
 * if need be; no process on the host), or else `virsh list` works (where the
 * host has virsh). Not `virsh version`: on a cold capability cache that
 * probes every qemu binary, about a CPU-second. Undefined when it answers,
 * else what failed.
 */
export async function libvirtAnswers(conn: Connection): Promise<string | undefined> {
  const session = await libvirtReader(conn)
  if (session && (await session.api.listNetworks().then(() => true, () => false))) return undefined
  const virshList = '! command -v virsh >/dev/null 2>&1 || virsh -q list --all --name >/dev/null'
  return (await conn.exec(virshList)).code === 0 ? undefined : `probe failed: ${virshList}`
}
