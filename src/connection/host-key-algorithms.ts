/**
 * Which host key algorithms a login offers, and in what order: the order
 * decides which of its keys the server shows, so it decides whether that key
 * is the one known_hosts has. As OpenSSH's order_hostkeyalgs (sshconnect2.c):
 * the algorithms of the key types already known for the host come first, in
 * the list's own order, the others after — so a host known by its ecdsa key
 * shows that key even when it also has an ed25519 one, instead of being
 * refused as unknown (or, with accept-new, getting a second key recorded).
 */

/** ssh2's own default order (lib/protocol/constants.js DEFAULT_SERVER_HOST_KEY): kvmplay's default, as before. */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]

/** Every one ssh2 can verify (SUPPORTED_SERVER_HOST_KEY): the default and ssh-dss, which only asking adds. */
export const SUPPORTED_HOST_KEY_ALGORITHMS: readonly string[] = [...DEFAULT_HOST_KEY_ALGORITHMS, 'ssh-dss']

/** The key type an algorithm's signatures come from: an RSA key signs with SHA-2 (rsa-sha2-*) or SHA-1 (ssh-rsa). */
export const keyTypeOfAlgorithm = (algorithm: string) => (algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm)

/** The algorithms to offer: those whose key type is in `knownTypes` first, the rest after, each group in the list's order. */
export function preferKnownKeyTypes(algorithms: readonly string[], knownTypes: ReadonlySet<string>): string[] {
  const known = algorithms.filter((a) => knownTypes.has(keyTypeOfAlgorithm(a)))
  return [...known, ...algorithms.filter((a) => !known.includes(a))]
}
