/**
 * ansible-vault's format, read with node's crypto: the envelope
 * `$ANSIBLE_VAULT;1.1;AES256` (or `1.2;AES256;<vault id>`) over hex lines of
 * hex(salt) \n hex(hmac) \n hex(ciphertext); the keys are PBKDF2-HMAC-SHA256
 * of the password (10000 rounds, 80 bytes: AES-256-CTR key, HMAC key, IV);
 * the HMAC-SHA256 of the ciphertext says whether the password is the right
 * one before anything is decrypted; the plaintext is PKCS#7-padded.
 *
 * Every value revealed is remembered (revealedVaultValues) so that the
 * command line can keep it out of what it prints.
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto'
import { KvmplayError } from '../core/errors.ts'

export interface VaultSecret {
  /** The vault id (label) it was given for: 'default' unless `--vault-id label@source`. */
  id: string
  password: Buffer
}

const HEADER = '$ANSIBLE_VAULT'

export const isVaulted = (text: string): boolean => text.startsWith(HEADER)

/** Ansible's flags, for every "give the password" message. */
export const VAULT_FLAGS = '--vault-password-file FILE, --ask-vault-pass or --vault-id LABEL@SOURCE'

const revealed = new Set<string>()

/** Every plaintext decrypted in this process, to keep out of the output. */
export const revealedVaultValues = (): ReadonlySet<string> => revealed

/**
 * A vaulted value as read (`!vault`, or `__ansible_vault` in a script's JSON),
 * decrypted only when the vars of a host that holds it are read (build.ts):
 * a run needs the passwords of what its own hosts hold, as Ansible decrypts a
 * value only when a play uses it.
 */
export class VaultedValue {
  constructor(
    readonly text: string,
    /** The variable and where it was read, for errors. */
    readonly what: string,
  ) {}
}

/** `value` with each VaultedValue in it decrypted: what holds none is returned as it is, what holds one is copied, never changed (groups share their vars). */
export function revealVaulted(value: unknown, secrets: readonly VaultSecret[]): unknown {
  if (value instanceof VaultedValue) return decryptVault(value.text, secrets, value.what)
  if (Array.isArray(value)) {
    const out = value.map((v) => revealVaulted(v, secrets))
    return out.some((v, i) => v !== value[i]) ? out : value
  }
  if (typeof value !== 'object' || value === null) return value
  let out: Record<string, unknown> | undefined
  for (const [k, v] of Object.entries(value)) {
    const r = revealVaulted(v, secrets)
    if (r !== v) (out ??= { ...value })[k] = r
  }
  return out ?? value
}

/** Values also remembered as secret though they were in a vaulted file, not a vaulted value (vars-file.ts). */
export const rememberVaultValue = (value: string): void => void revealed.add(value)

interface Envelope {
  id?: string
  salt: Buffer
  hmac: Buffer
  ciphertext: Buffer
}

function envelope(text: string, what: string): Envelope {
  const bad = (why: string): never => {
    throw new KvmplayError('inventory', `${what}: not a valid ansible-vault text (${why}); re-create it with ansible-vault`)
  }
  const [head, ...body] = text.trim().split(/\r?\n/)
  const fields = head.trim().split(';').map((f) => f.trim())
  if (fields[0] !== HEADER || fields.length < 3) bad(`header '${head.slice(0, 40)}'`)
  if (fields[1] !== '1.1' && fields[1] !== '1.2') bad(`format version ${fields[1]}, known: 1.1, 1.2`)
  if (fields[2] !== 'AES256') bad(`cipher ${fields[2]}, known: AES256`)
  const hex = body.map((l) => l.trim()).join('')
  if (!/^([0-9a-f]{2})+$/i.test(hex)) bad('its body is not hex')
  const parts = Buffer.from(hex, 'hex').toString('latin1').split('\n')
  if (parts.length !== 3 || !parts.every((p) => /^([0-9a-f]{2})+$/i.test(p))) bad('its body is not salt, HMAC and ciphertext')
  const [salt, hmac, ciphertext] = parts.map((p) => Buffer.from(p, 'hex'))
  return { id: fields[3] || undefined, salt, hmac, ciphertext }
}

/** The plaintext with this password, or undefined when the HMAC says it is not the one. */
function open(e: Envelope, password: Buffer): Buffer | undefined {
  const keys = pbkdf2Sync(password, e.salt, 10000, 80, 'sha256')
  const mac = createHmac('sha256', keys.subarray(32, 64)).update(e.ciphertext).digest()
  if (mac.length !== e.hmac.length || !timingSafeEqual(mac, e.hmac)) return undefined
  const decipher = createDecipheriv('aes-256-ctr', keys.subarray(0, 32), keys.subarray(64, 80))
  const padded = Buffer.concat([decipher.update(e.ciphertext), decipher.final()])
  const pad = padded.at(-1) ?? 0
  // A bad padding after a good HMAC is a broken vault, not a wrong password.
  if (pad < 1 || pad > 16 || pad > padded.length) return undefined
  return padded.subarray(0, padded.length - pad)
}

/**
 * Decrypts a vault text; `what` names it in errors (a file, or a variable and
 * its file). As Ansible does, the secrets of the text's own vault id are tried
 * first, then every other.
 */
export function decryptVault(text: string, secrets: readonly VaultSecret[], what: string): string {
  const e = envelope(text, what)
  if (secrets.length === 0) {
    throw new KvmplayError('inventory', `${what} is vault-encrypted${e.id ? ` (vault id '${e.id}')` : ''} and no vault password was given; give it with ${VAULT_FLAGS}`)
  }
  const ordered = [...secrets.filter((s) => s.id === e.id), ...secrets.filter((s) => s.id !== e.id)]
  for (const s of ordered) {
    const plain = open(e, s.password)
    if (plain) {
      const value = plain.toString('utf8')
      revealed.add(value)
      return value
    }
  }
  const ids = [...new Set(secrets.map((s) => s.id))].join(', ')
  throw new KvmplayError('inventory', `${what}: the vault password${secrets.length > 1 ? `s given (${secrets.length}, vault ids: ${ids}) do` : ' given does'} not decrypt it${e.id ? ` (its vault id: '${e.id}')` : ''}; check ${VAULT_FLAGS}`)
}
