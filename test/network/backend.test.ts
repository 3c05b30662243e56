/** Choosing the network backend of a host. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chooseBackend } from '../../src/network/backend.ts'
import type { NetworkBackend } from '../../src/network/backend.ts'
import type { HostNetwork } from '../../src/facts/network.ts'

const net: HostNetwork = { links: [], routes: [], routes6: [], dns: [], backend: 'networkmanager' }
const backend = (name: string, claims: (n: HostNetwork) => boolean): NetworkBackend => ({
  name,
  detect: claims,
  persist: () => [],
  planRuntime: () => undefined,
  restore: () => ({ script: '', describe: '' }),
})
const nm = backend('networkmanager', (n) => n.backend === 'networkmanager')
const fallback = backend('ifcfg', () => true)

test('the first backend that claims the host, in order', () => {
  assert.is(chooseBackend([nm, fallback], net).name, 'networkmanager')
  assert.is(chooseBackend([nm, fallback], { ...net, backend: 'iproute2' }).name, 'ifcfg')
})

test('a named backend wins; an unknown name or no claimant is an error that says which were tried', () => {
  assert.is(chooseBackend([nm, fallback], net, 'ifcfg').name, 'ifcfg')
  assert.throws(() => chooseBackend([nm, fallback], net, 'netplan'), /unknown network backend "netplan": expected networkmanager, ifcfg/)
  assert.throws(() => chooseBackend([nm], { ...net, backend: 'iproute2' }), /no network backend recognises this host's network \(tried networkmanager\)/)
})

test.run()
