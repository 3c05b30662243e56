/** What must hold on the host after its network changed, before the change is confirmed. */
import { sh } from '../core/quote.ts'
import type { Connection } from '../connection/types.ts'
import { libvirtReader } from '../libvirt/remote.ts'
import type { BridgeWish } from './wish.ts'

/** The gateway answers (where the host has ping), then the user's own probes. */
export function probesFor(w: BridgeWish, extra: string[]): string[] {
  return [...(w.gateway ? [sh`! command -v ping >/dev/null 2>&1 || ping -c 1 -W 2 ${w.gateway}`] : []), ...extra]
}

/**
 * libvirtd answers: a call over this connection's libvirt session (opened
 * if need be; no process on the host), or else `virsh list` works (where the
 * host has virsh). Not `virsh version`: on a cold capability cache that
 * probes every qemu binary, about a CPU-second.
 */
export async function libvirtAnswers(conn: Connection): Promise<string | undefined> {
  const session = await libvirtReader(conn)
  if (session && (await session.api.listNetworks().then(() => true, () => false))) return undefined
  const virshList = '! command -v virsh >/dev/null 2>&1 || virsh -q list --all --name >/dev/null'
  return (await conn.exec(virshList)).code === 0 ? undefined : `probe failed: ${virshList}`
}
