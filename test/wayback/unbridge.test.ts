/** The way back's planners (each system's wish `absent`): the uplink alone again (iproute2, ifupdown, ifcfg, NetworkManager, netplan), from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import type { HostNetwork } from '../../src/facts/network.ts'
import type { NetworkSystemFacts, NmProfile } from '../../src/facts/network-system.ts'
import { bridgeWish } from '../../src/network/wish.ts'
import type { BridgeWish } from '../../src/network/wish.ts'
import { unbridgePlan } from '../../src/network/iproute2-removal.ts'
import { ifupdown as ifupdownSystem } from '../../src/network/systems/ifupdown/index.ts'
import { ifcfg as ifcfgSystem } from '../../src/network/systems/ifcfg/index.ts'
import { networkManager } from '../../src/network/systems/networkmanager/index.ts'
import { netplan as netplanSystem } from '../../src/network/systems/netplan/index.ts'
import { nic } from '../network/systems/uplinks.ts'
import { parse as parseYaml } from 'yaml'
import { snapshotOf, restoreScript } from '../../src/cutover/restore.ts'

/** The same wish, the other way: the uplink alone. */
const gone = (w: BridgeWish): BridgeWish => ({ ...w, state: 'absent' })

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const bridged = canned('network-bridged.txt')
/** The bridged host after the way back: eth0 carries br0's address and the default route, no br0. */
const fresh: HostNetwork = {
  ...bridged,
  links: bridged.links.filter((l) => l.name !== 'br0').map((l) => (l.name === 'eth0' ? { ...l, master: undefined, addresses: bridged.links.find((b) => b.name === 'br0')!.addresses } : l)),
  routes: bridged.routes.map((r) => (r.dev === 'br0' ? { ...r, dev: 'eth0' } : r)),
}
const withTap = (net: HostNetwork): HostNetwork => ({ ...net, links: [...net.links, { name: 'vnet0', mac: 'fe:54:00:12:03:01', up: true, kind: 'tun', master: 'br0', addresses: [], addresses6: [] }] })

test('iproute2: the bridge goes, the uplink takes its address and the default route back; nothing to do once unbridged', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  assert.equal(unbridgePlan(w, bridged), ['link set eth0 nomaster', 'addr add 198.19.1.2/24 dev eth0', 'link del br0', 'route replace default via 198.19.1.1 dev eth0'])
  assert.equal(unbridgePlan(bridgeWish({ bridge: 'br0' }, fresh), fresh), [])
  // The same wish before and after: the way back plans the same on both.
  assert.equal(bridgeWish({ bridge: 'br0' }, fresh), w)
})

test('a guest still on the bridge: refused, named, before anything changes', () => {
  const net = withTap(bridged)
  assert.throws(() => unbridgePlan(bridgeWish({ bridge: 'br0' }, net), net), /br0 still has ports other than eth0 \(vnet0\): move the guests off it first/)
})

const LAB = `# The uplink of lab host h1 (a Debian hypervisor): \`ifup -a\` brings it up at boot.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
	address 198.19.1.2/24
	gateway 198.19.1.1
	dns-nameservers 198.19.1.1
`
const ifupdown = (content: string): NetworkSystemFacts => ({ netplan: [], networkScripts: false, ifupdown: [{ path: '/etc/network/interfaces', content }] })

test('ifupdown: the way back of a bridged interfaces file is the file as it was, and rewrites to itself', () => {
  const w = bridgeWish({ bridge: 'br0' }, fresh)
  const there = ifupdownSystem.persist(w, { net: fresh, system: ifupdown(LAB) })[0].content!
  assert.match(there, /iface br0 inet static/)
  const back = ifupdownSystem.persist(gone(w), { net: bridged, system: ifupdown(there) })
  assert.equal(back, [{ path: '/etc/network/interfaces', content: LAB }])
  assert.equal(ifupdownSystem.persist(gone(w), { net: fresh, system: ifupdown(LAB) }), back, 'unbridged already: the same file')
})

test('ifupdown: an uplink no auto line brings up gets one', () => {
  const w = bridgeWish({ bridge: 'br0' }, fresh)
  const there = ifupdownSystem.persist(w, { net: fresh, system: ifupdown(LAB.replace('auto eth0\n', '')) })[0].content!
  const back = ifupdownSystem.persist(gone(w), { net: bridged, system: ifupdown(there) })[0].content!
  assert.match(back, /^auto eth0\niface eth0 inet static\n\taddress 198\.19\.1\.2\/24\n/m)
})

test('ifupdown: the change deletes the bridge and ifups the uplink; the rollback recreates the bridge with its MAC and tells ifupdown both are up', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const change = ifupdownSystem.planRuntime(gone(w), { net: bridged, system: ifupdown('') })!
  assert.match(change.apply, /ip link del br0[^\n]*\n[\s\S]*ifup eth0$/)
  assert.is(ifupdownSystem.planRuntime(gone(w), { net: fresh, system: ifupdown(LAB) }), undefined)
  const restore = ifupdownSystem.restore(change, { net: bridged, system: ifupdown('') }, []).script
  assert.match(restore, /\[ -e \/sys\/class\/net\/br0 \] \|\| \{ ip link add br0 type bridge && ip link set br0 address 02:6b:76:13:00:01; \}/)
  assert.match(restore, /ip link set eth0 master br0/)
  assert.match(restore, /printf '%s\\n' br0 > \/run\/network\/ifstate\.br0/)
})

test('ifcfg: ifcfg-br0 goes, ifcfg-eth0 carries the address again', () => {
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const [br, route, eth, ...rest] = ifcfgSystem.persist(gone(w), { net: bridged, system: { netplan: [], networkScripts: false } })
  assert.equal(br, { path: '/etc/sysconfig/network-scripts/ifcfg-br0' })
  assert.equal(route, { path: '/etc/sysconfig/network-scripts/route-br0' })
  assert.equal(rest, [], 'no static routes: no route-eth0')
  for (const l of ['DEVICE=eth0', 'TYPE=Ethernet', 'BOOTPROTO=none', 'IPADDR=198.19.1.2', 'PREFIX=24', 'GATEWAY=198.19.1.1', 'HWADDR=02:6b:76:13:00:01']) assert.ok(eth.content!.split('\n').includes(l), `${l} in\n${eth.content}`)
  assert.not.match(eth.content!, /BRIDGE=/)
})

/** The bridged host with a static route the port's addresses had, now on br0 (and the zeroconf route the network scripts add). */
const routed: HostNetwork = {
  ...bridged,
  routes: [...bridged.routes, { dst: '198.51.100.0/24', gateway: '198.19.1.254', dev: 'br0', protocol: 'boot' }, { dst: '169.254.0.0/16', dev: 'br0', metric: 1003 }],
}

test("the bridge's static routes go back to the uplink: ip after the bridge goes, route-eth0, an up line, a keyfile route", () => {
  const w = bridgeWish({ bridge: 'br0' }, routed)
  assert.equal(unbridgePlan(w, routed).slice(-2), ['route replace default via 198.19.1.1 dev eth0', 'route replace 198.51.100.0/24 via 198.19.1.254 dev eth0'])
  const ifcfg = ifcfgSystem.persist(gone(w), { net: routed, system: { netplan: [], networkScripts: true } })
  assert.equal(ifcfg.at(-1), { path: '/etc/sysconfig/network-scripts/route-eth0', content: ifcfg.at(-1)!.content })
  assert.ok(ifcfg.at(-1)!.content!.split('\n').includes('198.51.100.0/24 via 198.19.1.254 dev eth0'), ifcfg.at(-1)!.content)
  const there = ifupdownSystem.persist(w, { net: routed, system: ifupdown(LAB) })[0].content!
  const back = ifupdownSystem.persist(gone(w), { net: routed, system: ifupdown(there) })[0].content!
  assert.match(back, /iface eth0 inet static\n(\t.+\n)*\tup ip route replace 198\.51\.100\.0\/24 via 198\.19\.1\.254 dev eth0\n/)
})

const KEYFILES = '/etc/NetworkManager/system-connections'
const port: NmProfile = { name: 'br0-port-eth0', uuid: '0b1c7a3e-6a55-5c0e-9a1f-2d3e4f5a6b7c', type: '802-3-ethernet', device: 'eth0', active: true, filename: `${KEYFILES}/eth0.nmconnection` }
const bridgeP: NmProfile = { name: 'br0', uuid: '11111111-2222-5333-8444-555555555555', type: 'bridge', device: 'br0', active: true, filename: `${KEYFILES}/br0.nmconnection` }

test('NetworkManager: the bridge keyfile goes, the port becomes the uplink again (same file, same uuid), under a checkpoint', () => {
  const f = { net: bridged, system: { netplan: [], networkScripts: false, networkManager: { profiles: [bridgeP, port] } } }
  const w = bridgeWish({ bridge: 'br0' }, bridged)
  const [br, eth] = networkManager.persist(gone(w), f)
  assert.equal(br, { path: `${KEYFILES}/br0.nmconnection` })
  assert.is(eth.path, `${KEYFILES}/eth0.nmconnection`)
  for (const l of ['id=eth0', `uuid=${port.uuid}`, 'type=ethernet', 'mac-address=02:6b:76:13:00:01', 'method=manual', 'address1=198.19.1.2/24,198.19.1.1']) assert.ok(eth.content!.split('\n').includes(l), `${l} in\n${eth.content}`)
  assert.not.match(eth.content!, /master=|slave-type/)
  const change = networkManager.planRuntime(gone(w), f)!
  assert.match(change.apply, /CheckpointCreate[\s\S]*nmcli connection reload[\s\S]*connection up uuid 0b1c7a3e/)
  // Unbridged: the uplink's profile active on eth0, no bridge profile left.
  const after = { net: fresh, system: { netplan: [], networkScripts: false, networkManager: { profiles: [{ ...port, name: 'eth0' }] } } }
  assert.is(networkManager.planRuntime(gone(w), after), undefined)
  assert.equal(networkManager.persist(gone(w), after)[1], eth, 'the same keyfile after the way back')
  assert.ok(networkManager.claims(after, nic('eth0'), 'br0'))
})

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

test('the generic rollback creates no bridge where there was none before the change (it deletes it)', () => {
  const snap = restoreScript(snapshotOf(fresh, ['br0', 'eth0']), [])
  assert.not.match(snap, /ip link add/)
  assert.match(snap, /ip link del br0/)
})


test("NetworkManager: the bridge's static route goes back into the uplink's keyfile", () => {
  const w = bridgeWish({ bridge: 'br0' }, routed)
  const [, eth] = networkManager.persist(gone(w), { net: routed, system: { netplan: [], networkScripts: false, networkManager: { profiles: [bridgeP, port] } } })
  assert.ok(eth.content!.split('\n').includes('route1=198.51.100.0/24,198.19.1.254'), eth.content)
})

test.run()
