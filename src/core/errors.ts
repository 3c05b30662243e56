/**
 * The one error root. A message says what went wrong, where (host, file and
 * line, command) and what the user can do; `kind` lets the CLI map it to an
 * exit code and lets tests assert on it without matching prose.
 */
export type ErrorKind =
  | 'inventory' // malformed inventory: file, line, what is wrong
  | 'playbook' // the playbook failed to load or is not a playbook
  | 'validation' // a value (name, IP, MAC, path…) is not acceptable
  | 'template' // a template is missing or lacks a variable
  | 'usage' // command line
  | 'connect' // the host could not be reached or logged in to
  | 'hostkey' // the host's key is unknown or changed
  | 'become' // logged in, but escalation (sudo, su, doas) was refused: no password, a wrong one, not allowed
  | 'libvirt-access' // the login cannot reach libvirt's system socket and does not become root
  | 'command' // a remote command failed
  | 'fact' // a fact's output could not be parsed
  | 'timeout'
  | 'rolled-back' // a cutover could not be confirmed; the host restored itself
  | 'precondition' // the host is not in a state where the task may act (e.g. a network still in use)

export class KvmplayError extends Error {
  override name = 'KvmplayError'
  readonly kind: ErrorKind
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
  }
}

/** Errors found before any host is touched: the run stops with exit code 4. */
export const BAD_INPUT_KINDS: ReadonlySet<ErrorKind> = new Set(['inventory', 'playbook', 'validation', 'template', 'usage'])

export const isKvmplayError = (e: unknown, kind?: ErrorKind): e is KvmplayError =>
  e instanceof KvmplayError && (kind === undefined || e.kind === kind)
