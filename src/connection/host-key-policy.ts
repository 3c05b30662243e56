/**
 * Host-key policy: which host key algorithms to offer (those of the key
 * types known_hosts holds for the host first, as ssh orders them), then the
 * host's key checked against known_hosts before authentication; an unknown
 * key is refused (or, when asked, trusted on first use and recorded), a
 * changed or revoked one always refused — each with the command that would
 * put it right. The name looked up is HostKeyAlias when set, as in ssh.
 */
import { KvmplayError } from '../core/errors.ts'
import { preferKnownKeyTypes } from './host-key-algorithms.ts'
import { appendKnownHost, hostKeyName, keyTypeOf, knownKeyTypes, readKnownHosts, verifyHostKey } from './known-hosts.ts'
import { DEFAULT_HOST_KEY_ORDER } from './ssh-config/host-key-algorithms.ts'
import type { SshEndpoint } from './jump-chain.ts'

export interface HostKeyPolicy {
  /** ssh2's algorithms.serverHostKey: what to offer, most wanted first. */
  algorithms: string[]
  /** ssh2's hostVerifier: true lets the login go on; a refusal is passed to `reject` first. */
  verify: (key: Buffer) => boolean
}

/** The command that adds the host's keys under the name known_hosts is searched for (a HostKeyAlias needs ssh-keyscan's names replaced). */
function keyscan(t: SshEndpoint, name: string): string {
  const scan = `ssh-keyscan ${t.port === 22 ? '' : `-p ${t.port} `}${t.address}`
  return `${t.hostKeyAlias ? `${scan} | sed 's/^[^ ]*/${name}/'` : scan} >> ${t.knownHostsFiles[0]}`
}

export function hostKeyPolicy(t: SshEndpoint, reject: (e: KvmplayError) => void): HostKeyPolicy {
  const entries = readKnownHosts(t.knownHostsFiles)
  const name = t.hostKeyAlias ?? hostKeyName(t.address, t.port)
  const files = t.knownHostsFiles.join(', ')
  const order = t.hostKeyAlgorithms ?? DEFAULT_HOST_KEY_ORDER
  const refuse = (message: string) => (reject(new KvmplayError('hostkey', `${t.host}: ${message}`)), false)
  const verify = (key: Buffer): boolean => {
    const verdict = verifyHostKey(entries, name, key)
    switch (verdict.status) {
      case 'known':
        return true
      case 'unknown':
        if (t.acceptNewHostKeys) {
          appendKnownHost(t.knownHostsFiles[0], name, key)
          return true
        }
        return refuse(
          `host key of ${name} (${keyTypeOf(key)}) is not in ${files}; refusing to connect. ` +
            `Check the key, then add it (${keyscan(t, name)}) or run again with --accept-new-host-keys to trust it on first use.`,
        )
      case 'cert-authority':
        // Not trusted on first use either: the user chose to trust a CA for this host, and kvmplay cannot check what the CA signed.
        return refuse(
          `host key of ${name} (${keyTypeOf(key)}) is vouched for only by the @cert-authority line at ${verdict.entry.file}:${verdict.entry.line}, ` +
            `and kvmplay checks plain host keys only, not host certificates; refusing to connect. ` +
            `Check the key, then add it as a plain entry (${keyscan(t, name)}).`,
        )
      case 'changed':
        return refuse(
          `HOST KEY OF ${name} HAS CHANGED (it differs from ${verdict.entry.file}:${verdict.entry.line}); refusing to connect. ` +
            `Someone could be intercepting the connection, or the host was reinstalled. If you know why, remove the old key ` +
            `(ssh-keygen -R ${name} -f ${verdict.entry.file}) and connect again.`,
        )
      case 'revoked':
        return refuse(`host key of ${name} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect.`)
    }
  }
  return { algorithms: order.preferKnown ? preferKnownKeyTypes(order.list, knownKeyTypes(entries, name)) : order.list, verify }
}
