/**
 * Whether the login may use the host's libvirt (qemu:///system) at all,
 * asked once per host before any task runs, so that a login that may not
 * gets one error saying what to change instead of a failure per task. Root,
 * or a login that becomes root, always may (nothing is asked). Any other
 * login may where libvirtd lets it open the read-write socket (group
 * `libvirt` on Debian): over the forwarded socket, or, where sshd forwards
 * none, by virsh.
 */
import { KvmplayError } from '../core/errors.ts'
import type { Connection } from '../connection/types.ts'
import { libvirtSession } from './remote.ts'
import { VIRSH_CHECK_TIMEOUT_MS } from '../core/deadlines.ts'

export async function libvirtAccess(conn: Connection): Promise<Error | undefined> {
  const login = conn.login
  if (!login || (login.becomeUser ?? login.user) === 'root') return undefined
  // The session a change would use anyway: opened now, kept for it.
  if (await libvirtSession(conn, 'rw')) return undefined
  const res = await conn.exec('virsh -c qemu:///system -q net-list --all >/dev/null; rc=$?; id -Gn; exit $rc', { timeoutMs: VIRSH_CHECK_TIMEOUT_MS, label: 'ask libvirtd as the login (virsh net-list)' })
  if (res.code === 0) return undefined
  const user = login.becomeUser ?? login.user
  const groups = res.stdout.trim() || '?'
  const said = res.stderr.trim().split('\n').pop() ?? ''
  return new KvmplayError(
    'libvirt-access',
    `${conn.host}: ${user} cannot use libvirt's qemu:///system (${said || `exit ${res.code}`}; ${user}'s groups: ${groups}): ` +
      `add ${user} to group libvirt on the host (usermod -aG libvirt ${user}), or run as root with become (-b, ansible_become: true) — no task was run`,
  )
}
