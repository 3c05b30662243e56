/** netplan's way back (the wish `absent`): kvmplay's file gone, the uplink's file its addressing back, from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse as parseYaml } from 'yaml'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { netplan as netplanSystem } from '../../../../src/network/systems/netplan/index.ts'
import { bridged, fresh, gone } from '../way-back.ts'

const NETPLAN = `# The uplink of lab host h1 (an Ubuntu-style hypervisor): \`netplan generate\`
# renders it for NetworkManager at boot.
network:
  version: 2
  renderer: NetworkManager
  ethernets:
    eth0:
      match:
        macaddress: "02:6b:76:13:00:01"
      set-name: eth0
      dhcp4: false
      dhcp6: false
      addresses:
        - 198.19.1.2/24
      routes:
        - to: default
          via: 198.19.1.1
      nameservers:
        addresses:
          - 198.19.1.1
`
const netplan = (files: { path: string; content?: string }[]): NetworkSystemFacts => ({
  netplan: files.filter((f) => f.content !== undefined).map((f) => ({ path: f.path, content: f.content!, config: parseYaml(f.content!) })),
  networkScripts: false,
})

test('netplan: kvmplay\'s file goes, the uplink\'s file gets its addressing back byte for byte, and rewrites to itself', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const there = netplanSystem.persist(w, { net: fresh, system: netplan([{ path: '/etc/netplan/01-kvmplay-lab.yaml', content: NETPLAN }]) })
  assert.not.match(there[0].content!, /addresses:\n\s+- 198/)
  const back = netplanSystem.persist(gone(w), { net: bridged, system: netplan(there) })
  assert.equal(back, [{ path: '/etc/netplan/01-kvmplay-lab.yaml', content: NETPLAN }, { path: '/etc/netplan/90-kvmplay-br0.yaml' }])
  assert.equal(netplanSystem.persist(gone(w), { net: fresh, system: netplan(back) }), back)
  const change = netplanSystem.planRuntime(gone(w), { net: bridged, system: netplan(there) })!
  assert.match(change.apply, /^netplan generate && nmcli connection reload && nmcli connection up netplan-eth0 /)
})

test.run()
