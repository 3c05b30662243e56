/**
 * Host-key policy: a host's key is checked against known_hosts before
 * authentication; an unknown key is refused (or, when asked, trusted on
 * first use and recorded), a changed or revoked one always refused — each
 * with the command that would put it right.
 */
import { KvmplayError } from '../core/errors.ts'
import { appendKnownHost, hostKeyName, keyTypeOf, readKnownHosts, verifyHostKey } from './known-hosts.ts'
import type { SshEndpoint } from './jump-chain.ts'

/** ssh2's hostVerifier for this target: true lets the login go on; a refusal is passed to `reject` first. */
export function hostKeyChecker(t: SshEndpoint, reject: (e: KvmplayError) => void) {
  const entries = readKnownHosts(t.knownHostsFiles)
  const name = hostKeyName(t.address, t.port)
  const files = t.knownHostsFiles.join(', ')
  return (key: Buffer): boolean => {
    const verdict = verifyHostKey(entries, name, key)
    switch (verdict.status) {
      case 'known':
        return true
      case 'unknown':
        if (t.acceptNewHostKeys) {
          appendKnownHost(t.knownHostsFiles[0], name, key)
          return true
        }
        reject(
          new KvmplayError(
            'hostkey',
            `${t.host}: host key of ${name} (${keyTypeOf(key)}) is not in ${files}; refusing to connect. ` +
              `Check the key, then add it (ssh-keyscan ${t.port === 22 ? '' : `-p ${t.port} `}${t.address} >> ${t.knownHostsFiles[0]}) ` +
              `or run again with --accept-new-host-keys to trust it on first use.`,
          ),
        )
        return false
      case 'changed':
        reject(
          new KvmplayError(
            'hostkey',
            `${t.host}: HOST KEY OF ${name} HAS CHANGED (it differs from ${verdict.entry.file}:${verdict.entry.line}); refusing to connect. ` +
              `Someone could be intercepting the connection, or the host was reinstalled. If you know why, remove the old key ` +
              `(ssh-keygen -R ${name} -f ${verdict.entry.file}) and connect again.`,
          ),
        )
        return false
      case 'revoked':
        reject(new KvmplayError('hostkey', `${t.host}: host key of ${name} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect.`))
        return false
    }
  }
}
