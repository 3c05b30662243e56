/**
 * What the runner and the tasks know of a host connection. A non-zero exit
 * is data (ExecResult.code), never an exception: the task decides what it
 * means. Exceptions are for the link itself (connect, timeout, dropped).
 */
import type { Duplex } from 'node:stream'
export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface ExecOptions {
  stdin?: string | Buffer
  /** Per command; the connection's default when absent. */
  timeoutMs?: number
  /** Names the command in errors ("write /etc/x"), in place of its text, which may carry a file's content (command-name.ts). */
  label?: string
}

export interface Connection {
  /** Inventory name of the host, for messages. */
  readonly host: string
  /** Who runs the commands: the login, and the user it becomes (become), if any. */
  readonly login?: { user: string; becomeUser?: string }
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>
  /**
   * A byte stream to a command's stdin and stdout on the host, run as the
   * connection's commands are (as the become user, once escalated): for
   * relays such as virt-ssh-helper, where a forwarded socket would be the
   * login user's.
   */
  openStream?(command: string): Promise<Duplex>
  /**
   * A byte stream to a unix socket on the host (SSH streamlocal forwarding),
   * for protocols spoken without a process on the host (libvirt's RPC).
   * Rejects when the host does not allow it.
   */
  openUnixSocket?(path: string): Promise<Duplex>
  close(): Promise<void>
}
