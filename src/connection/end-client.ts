import type { Client } from 'ssh2'

/**
 * Ends an SSH connection, and its socket within a second or two whatever the
 * peer does: ssh2's end() only half-closes the socket, and a host that
 * stopped answering (a firewall dropping its packets, a frozen sshd) never
 * acknowledges it, so the socket — and with it the process — lived on for
 * the kernel's retransmissions, minutes after the recap.
 */
export function endClient(client: Client): void {
  const sock = (client as unknown as { _sock?: { destroy(): void } })._sock
  client.end()
  if (sock) setTimeout(() => sock.destroy(), 1500).unref()
}
