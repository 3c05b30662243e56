/** Choosing the network backend that keeps a host's uplink. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chooseBackend } from '../../src/network/backend.ts'
import type { NetworkBackend, NetworkFacts } from '../../src/network/backend.ts'

const facts: NetworkFacts = { net: { links: [], routes: [], routes6: [], dns: [], backend: 'iproute2' }, system: { netplan: [], networkScripts: false } }
const backend = (name: string, claims: (f: NetworkFacts, device: string) => string | undefined, fallback = false): NetworkBackend => ({
  name,
  fallback,
  detect: claims,
  persist: () => [],
  planRuntime: () => undefined,
  restore: () => ({ script: '', describe: '' }),
})
const withNm: NetworkFacts = { ...facts, system: { ...facts.system, networkManager: { profiles: [] } } }
const nm = backend('networkmanager', (f) => (f.system.networkManager ? 'NetworkManager runs' : undefined))
const ifupdown = backend('ifupdown', (f, device) => (f.system.ifupdown ? `iface ${device} in /etc/network/interfaces` : undefined))
const fallback = backend('ifcfg', () => undefined, true)

test('the one system that claims the uplink; none: the fallback', () => {
  assert.is(chooseBackend([nm, ifupdown, fallback], withNm, 'eth0', 'br0').name, 'networkmanager')
  assert.is(chooseBackend([nm, ifupdown, fallback], facts, 'eth0', 'br0').name, 'ifcfg')
})

test('two systems claiming the uplink is an error naming both, and why each claims it', () => {
  const both: NetworkFacts = { ...withNm, system: { ...withNm.system, ifupdown: [] } }
  assert.throws(() => chooseBackend([nm, ifupdown, fallback], both, 'eth0', 'br0'), /eth0 is claimed by networkmanager \(NetworkManager runs\) and by ifupdown \(iface eth0 in \/etc\/network\/interfaces\): say which with backend/)
  assert.is(chooseBackend([nm, ifupdown, fallback], both, 'eth0', 'br0', 'ifupdown').name, 'ifupdown', 'the playbook can say which')
})

test('a named backend must run on the host (the fallback always can); an unknown name says which exist', () => {
  assert.is(chooseBackend([nm, fallback], withNm, 'eth0', 'br0', 'ifcfg').name, 'ifcfg')
  assert.throws(() => chooseBackend([nm, fallback], facts, 'eth0', 'br0', 'networkmanager'), /backend networkmanager was asked for, but networkmanager does not keep eth0 on this host; nothing was changed/)
  assert.throws(() => chooseBackend([nm, fallback], facts, 'eth0', 'br0', 'netplan'), /unknown network backend "netplan": expected networkmanager, ifcfg/)
  assert.throws(() => chooseBackend([nm], facts, 'eth0', 'br0'), /no network backend recognises this host's network \(tried networkmanager\)/)
})

test.run()
