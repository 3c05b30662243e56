/** Whether libvirtd answers on a host: asked over libvirt's RPC session where there is one, else through virsh. */
import type { Connection } from '../connection/types.ts'
import { libvirtReader } from './remote.ts'
import { VIRSH_CHECK_TIMEOUT_MS } from '../core/deadlines.ts'

/**
 * libvirtd answers: a call over this connection's libvirt session (opened
 * if need be; no process on the host), or else `virsh list` works. Not
 * `virsh version`: on a cold capability cache that probes every qemu
 * binary, about a CPU-second. Undefined when it answers, else what failed —
 * a host with neither a session nor virsh cannot be asked, and says so.
 */
export async function libvirtAnswers(conn: Connection): Promise<string | undefined> {
  const session = await libvirtReader(conn)
  if (session && (await session.api.listNetworks().then(() => true, () => false))) return undefined
  const res = await conn.exec('command -v virsh >/dev/null 2>&1 || exit 127; virsh -q list --all --name >/dev/null', { timeoutMs: VIRSH_CHECK_TIMEOUT_MS, label: 'ask libvirtd (virsh list)' })
  if (res.code === 0) return undefined
  if (res.code === 127) return 'libvirtd cannot be asked (no libvirt socket kvmplay can reach, and no virsh)'
  return `libvirtd does not answer (virsh list: ${res.stderr.trim().split('\n').pop() || `exit ${res.code}`})`
}
