/** Choosing the network system that keeps a host's uplink, and refusing an uplink it cannot bridge. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chooseSystem } from '../../src/network/choose.ts'
import type { NetworkFacts, NetworkSystem } from '../../src/network/system.ts'
import type { Uplink } from '../../src/network/uplink.ts'
import { nic } from './systems/uplinks.ts'

const facts: NetworkFacts = { net: { links: [], routes: [], routes6: [], dns: [], linkTool: 'iproute2' }, system: { netplan: [], networkScripts: false } }
const backend = (name: string, claims: (f: NetworkFacts, device: string) => string | undefined, fallback = false): NetworkSystem => ({
  name,
  title: name,
  fallback,
  uplinks: ['nic'],
  templates: {},
  claims: (f, uplink) => claims(f, uplink.name),
  persist: () => [],
  planRuntime: () => undefined,
  restore: () => ({ script: '', describe: '' }),
})
const withNm: NetworkFacts = { ...facts, system: { ...facts.system, networkManager: { profiles: [] } } }
const nm = backend('networkmanager', (f) => (f.system.networkManager ? 'NetworkManager runs' : undefined))
const ifupdown = backend('ifupdown', (f, device) => (f.system.ifupdown ? `iface ${device} in /etc/network/interfaces` : undefined))
const fallback = backend('ifcfg', () => undefined, true)
const eth0 = nic('eth0')

test('the one system that claims the uplink', () => {
  assert.is(chooseSystem([nm, ifupdown, fallback], withNm, eth0, 'br0').name, 'networkmanager')
})

test('no system claims the uplink: refused, saying what was found and the two ways out, unless untilReboot (the fallback runtime change)', () => {
  const nmFound = { ...nm, found: (f: NetworkFacts, u: Uplink) => (f.system.networkManager ? `NetworkManager runs, but no profile of it is active on ${u.name}` : undefined) }
  const quietNm = { ...nmFound, claims: () => undefined }
  assert.throws(
    () => chooseSystem([quietNm, ifupdown, fallback], withNm, eth0, 'br0'),
    /^no network system that kvmplay knows keeps eth0 on this host \(NetworkManager runs, but no profile of it is active on eth0\), so a bridge persisted by kvmplay would vanish at the next boot: name the system that brings eth0 up with backend \(networkmanager, ifupdown, ifcfg\), or ask for a bridge that lasts until the next reboot only with untilReboot: true; nothing was changed$/,
  )
  assert.throws(() => chooseSystem([nmFound, ifupdown, fallback], facts, eth0, 'br0'), /keeps eth0 on this host \(none of them runs or has files here\)/)
  assert.is(chooseSystem([nm, ifupdown, fallback], facts, eth0, 'br0', { untilReboot: true }).name, 'ifcfg')
  assert.is(chooseSystem([nm, ifupdown, fallback], facts, eth0, 'br0', { forced: 'ifcfg' }).name, 'ifcfg', 'or the playbook names the system')
})

test('untilReboot where a system keeps the uplink: refused, since that system would take it back', () => {
  assert.throws(() => chooseSystem([nm, fallback], withNm, eth0, 'br0', { untilReboot: true }), /^untilReboot was asked for, but networkmanager keeps eth0 here \(NetworkManager runs\) .*drop untilReboot.*nothing was changed$/)
})

test('two systems claiming the uplink is an error naming both, and why each claims it', () => {
  const both: NetworkFacts = { ...withNm, system: { ...withNm.system, ifupdown: [] } }
  assert.throws(() => chooseSystem([nm, ifupdown, fallback], both, eth0, 'br0'), /eth0 is claimed by networkmanager \(NetworkManager runs\) and by ifupdown \(iface eth0 in \/etc\/network\/interfaces\): say which with backend/)
  assert.is(chooseSystem([nm, ifupdown, fallback], both, eth0, 'br0', { forced: 'ifupdown' }).name, 'ifupdown', 'the playbook can say which')
})

test('a named backend must run on the host (the fallback always can); an unknown name says which exist', () => {
  assert.is(chooseSystem([nm, fallback], withNm, eth0, 'br0', { forced: 'ifcfg' }).name, 'ifcfg')
  assert.throws(() => chooseSystem([nm, fallback], facts, eth0, 'br0', { forced: 'networkmanager' }), /backend networkmanager was asked for, but networkmanager does not keep eth0 on this host; nothing was changed/)
  assert.throws(() => chooseSystem([nm, fallback], facts, eth0, 'br0', { forced: 'netplan' }), /unknown network backend "netplan": expected networkmanager, ifcfg/)
})

test('an uplink the chosen system cannot bridge is refused, named, before anything changes', () => {
  const bond: Uplink = { kind: 'bond', name: 'bond0', mac: '02:00:00:00:00:01', members: ['eth0', 'eth1'] }
  assert.throws(() => chooseSystem([nm, fallback], withNm, bond, 'br0'), /^the uplink bond0 is a bond, which kvmplay cannot yet bridge with networkmanager \(there it bridges: nic\); nothing was changed$/)
})

test.run()
