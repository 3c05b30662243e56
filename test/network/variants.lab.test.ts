/**
 * The bridge on hosts laid out as installers and cloud images leave them
 * (lab profiles ifupdown-installer, ifupdown-cloud, netplan-installer,
 * netplan-cloud): the fleet migration, a second run, a power cycle and a
 * rollback (bridge-lab.ts), the persisted bridge read back by the network
 * system's own tool — ifquery, netplan get — wherever the layout keeps it.
 */
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import type { HostPlan } from '../../src/lab/addressing.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { onHost } from '../helpers/lab.ts'
import { bridgeLabSuite } from './bridge-lab.ts'

const directoryDigest = (dir: string) => `cd ${dir} && find . -type f -printf '%p %m\\n' | sort && find . -type f -exec md5sum {} + | sort`

/** ifupdown, from whichever file of its own the stanzas are in: what ifquery reads. */
async function ifupdownPersisted(h: HostPlan) {
  const br0 = await onHost(h, 'ifquery br0')
  // ifquery says the address and its netmask apart (address: 198.19.1.2, netmask: 255.255.255.0).
  assert.match(br0, new RegExp(`^address: ${h.address.replace(/\./g, '\\.')}(/${h.prefix})?$`, 'm'))
  assert.match(br0, /bridge[-_]ports: eth0/)
  assert.match(await onHost(h, 'ifquery --list'), /^br0$/m)
  assert.is((await onHost(h, "find /etc/network -name '*~' | wc -l")).trim(), '0', 'no backup where ifupdown reads')
}

/** netplan, merged from all its files: what netplan get says. */
async function netplanPersisted(h: HostPlan) {
  const br0 = parse(await onHost(h, 'netplan get bridges.br0'))
  assert.equal(br0.interfaces, ['eth0'])
  assert.equal(br0.addresses, [`${h.address}/${h.prefix}`])
  assert.is(br0.macaddress, h.mac)
  assert.equal(parse(await onHost(h, 'netplan get ethernets.eth0.addresses')) ?? null, null, 'the uplink keeps no address of its own')
}

const specs: { profile: LabProfile; persisted: (h: HostPlan) => Promise<void>; bridged: (h: HostPlan) => Promise<void>; dir: string }[] = [
  { profile: 'ifupdown-installer', persisted: ifupdownPersisted, bridged: async (h) => assert.is((await onHost(h, 'cat /run/network/ifstate.br0')).trim(), 'br0'), dir: '/etc/network' },
  { profile: 'ifupdown-cloud', persisted: ifupdownPersisted, bridged: async (h) => assert.is((await onHost(h, 'cat /run/network/ifstate.br0')).trim(), 'br0'), dir: '/etc/network' },
  { profile: 'netplan-installer', persisted: netplanPersisted, bridged: async (h) => assert.match(await onHost(h, 'nmcli -t -f NAME,DEVICE connection show --active'), /^netplan-br0:br0$/m), dir: '/etc/netplan' },
  { profile: 'netplan-cloud', persisted: netplanPersisted, bridged: async (h) => assert.match(await onHost(h, 'nmcli -t -f NAME,DEVICE connection show --active'), /^netplan-br0:br0$/m), dir: '/etc/netplan' },
]

for (const s of specs) bridgeLabSuite({ profile: s.profile, assertPersisted: s.persisted, assertSystemBridged: s.bridged, filesDigest: directoryDigest(s.dir) }).run()
