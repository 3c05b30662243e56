/**
 * What the runner and the tasks know of a host connection. A non-zero exit
 * is data (ExecResult.code), never an exception: the task decides what it
 * means. Exceptions are for the link itself (connect, timeout, dropped).
 */
export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface ExecOptions {
  stdin?: string | Buffer
  /** Per command; the connection's default when absent. */
  timeoutMs?: number
}

export interface Connection {
  /** Inventory name of the host, for messages. */
  readonly host: string
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>
  close(): Promise<void>
}
