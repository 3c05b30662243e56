/** systemd-networkd: which hosts it claims, the files both ways (static, DHCP), the runtime change, the rollback — from canned facts. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseNetworkSystem } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import { systemFor } from '../../../../src/network/systems/index.ts'
import { networkd } from '../../../../src/network/systems/networkd/index.ts'
import { clientIdLines } from '../../../../src/network/systems/networkd/files.ts'
import { matches, parseUnit } from '../../../../src/network/systems/networkd/units.ts'
import { nic } from '../uplinks.ts'
import { BRNET, CLIENT_ID, DHCP, DIR, MAC, NETDEV, STATIC, UPLINK, bridged, byPath, canned, claims, facts, leased, system } from './hosts.ts'

test('claims: networkd runs and applies a file of /etc/systemd/network to the uplink (or the bridge); not netplan\'s in /run, not where networkd does not run', () => {
  const net = canned('network-fresh.txt')
  assert.is(claims(facts(net, system([{ path: UPLINK, content: STATIC }])), 'eth0', 'br0'), `systemd-networkd (running) applies ${UPLINK} to eth0`)
  // netplan's rendering: the netplan backend's.
  const netplans = system([], ['eth0 /run/systemd/network/10-netplan-eth0.network -'])
  assert.is(claims(facts(net, netplans), 'eth0', 'br0'), undefined)
  // networkd knows eth0 but applies nothing to it: it is someone else's.
  assert.is(claims(facts(net, system([{ path: `${DIR}/20-wlan.network`, content: '[Match]\nName=wlan0\n' }], ['eth0 - -'])), 'eth0', 'br0'), undefined)
  // Enabled but not running: the files alone, matched as networkd would.
  const enabled = parseNetworkSystem(`@@NETPLAN\n@@NETWORKD enabled\n@@FILE ${DIR}/50-wired.network\n[Match]\nMACAddress=${MAC}\n\n[Network]\nDHCP=yes\n`)
  assert.is(claims(facts(net, enabled), 'eth0', 'br0'), `systemd-networkd (enabled) applies ${DIR}/50-wired.network to eth0`)
  // Files but no networkd: nothing reads them.
  assert.is(claims(facts(net, parseNetworkSystem('@@NETPLAN\n')), 'eth0', 'br0'), undefined)
  // What a refusal says where no system claims the uplink (issue 29 item 4).
  assert.is(networkd.found!(facts(net, netplans), nic('eth0', MAC)), 'systemd-networkd (running) applies /run/systemd/network/10-netplan-eth0.network to eth0, which is not in /etc/systemd/network')
  assert.is(networkd.found!(facts(net, parseNetworkSystem('@@NETPLAN\n')), nic('eth0', MAC)), undefined)
  assert.is(systemFor(bridgeWish({ bridge: 'br0' }, net), facts(net, system([{ path: UPLINK, content: STATIC }]))).name, 'networkd')
})

test("[Match] as networkd reads it: Name= globs and lists, '!' inverts, MACAddress=", () => {
  const u = (m: string) => parseUnit(`[Match]\n${m}\n`)
  assert.ok(matches(u('Name=en* eth*'), { name: 'eth0' }))
  assert.not.ok(matches(u('Name=!eth*'), { name: 'eth0' }))
  assert.ok(matches(u('Name=!eth*'), { name: 'br0' }))
  assert.ok(matches(u(`MACAddress=${MAC.toUpperCase()}`), { name: 'eth0', mac: MAC }))
  assert.not.ok(matches(u('PermanentMACAddress=02:6b:76:13:00:03'), { name: 'eth0', mac: MAC, kind: 'veth' }), 'a veth has no permanent MAC')
  assert.ok(matches(u(''), { name: 'anything' }), 'an empty [Match] matches every link')
})

test('persist, static: the .netdev with the uplink\'s MAC, the bridge\'s .network with the addressing, the uplink\'s file a port — the same paths and files on the next run', () => {
  const net = canned('network-fresh.txt')
  const w = bridgeWish({ bridge: 'br0' }, net)
  const files = networkd.persist(w, facts(net, system([{ path: UPLINK, content: STATIC }])))
  assert.equal(files.map((f) => f.path), [UPLINK, NETDEV, BRNET])
  assert.is(byPath(files, UPLINK), '[Match]\nName=eth0\n\n[Network]\n# kvmplay: eth0 is a port of br0; its addresses are br0\'s (/etc/systemd/network/10-br0.network)\nBridge=br0\n# kvmplay: a port carries no address, not even a link-local one (as netplan renders a port)\nLinkLocalAddressing=no\n')
  const netdev = byPath(files, NETDEV)!
  for (const l of ['[NetDev]', 'Name=br0', 'Kind=bridge', `MACAddress=${MAC}`, '[Bridge]', 'STP=no', 'ForwardDelaySec=0']) assert.ok(netdev.split('\n').includes(l), `${l} in:\n${netdev}`)
  assert.ok(byPath(files, BRNET)!.endsWith('[Match]\nName=br0\n\n[Network]\nAddress=198.19.3.2/24\nGateway=198.19.3.1\nDNS=198.19.3.1\n'), byPath(files, BRNET))
  // The next run, bridged: networkd applies the same files.
  const after = bridged(net)
  const sys = system(files, [`eth0 ${UPLINK} -`, `br0 ${BRNET} -`])
  assert.equal(networkd.persist(bridgeWish({ bridge: 'br0' }, after), facts(after, sys)), files)
  assert.is(claims(facts(after, sys), 'eth0', 'br0'), `systemd-networkd (running) applies ${UPLINK} to eth0`)
})

test('persist, DHCP: DHCP=yes on the bridge with the client ID of the uplink\'s lease (its IAID), not the lease\'s route to the router; the same on the next run', () => {
  const net = leased()
  const w = bridgeWish({ bridge: 'br0' }, net)
  assert.is(w.bootproto, 'dhcp')
  const files = networkd.persist(w, facts(net, system([{ path: UPLINK, content: DHCP }], [`eth0 ${UPLINK} ${CLIENT_ID}`])))
  const br = byPath(files, BRNET)!
  assert.ok(br.endsWith(`[Network]\nDHCP=yes\n\n[DHCPv4]\n# kvmplay: the DHCP client ID of eth0's lease, so the server sees the same client\nClientIdentifier=duid\n# kvmplay: the DHCP client ID of eth0's lease, so the server sees the same client\nIAID=${0x8d2c4a1b}\n`), br)
  assert.match(byPath(files, NETDEV)!, `MACAddress=${MAC}`)
  assert.equal(clientIdLines('01' + MAC.replace(/:/g, '')), [], 'a MAC-based client ID is the bridge\'s too')
  const after = bridged(net)
  assert.equal(networkd.persist(bridgeWish({ bridge: 'br0' }, after), facts(after, system(files, [`eth0 ${UPLINK} -`, `br0 ${BRNET} ff8d2c4a1b0002`]))), files)
})

test('persist: the rest of the uplink\'s file goes along — comments, [Link] stays, [Route], [DHCPv4] and other [Network] keys move; the bridge\'s new files take its number', () => {
  const net = canned('network-fresh.txt')
  const uplink = `${DIR}/25-wired.network`
  const content = '# wired\n[Match]\nName=eth0\n\n[Link]\nMTUBytes=1500\n\n[Network]\nIPv6AcceptRA=no\nAddress=198.19.3.2/24\nGateway=198.19.3.1\nDomains=lab.example\n\n[Route]\nDestination=10.9.0.0/16\nGateway=198.19.3.254\n'
  const files = networkd.persist(bridgeWish({ bridge: 'br0' }, net), facts(net, system([{ path: uplink, content }], [`eth0 ${uplink} -`])))
  assert.equal(files.map((f) => f.path), [uplink, `${DIR}/25-br0.netdev`, `${DIR}/25-br0.network`])
  assert.ok(files[0].content!.startsWith('# wired\n[Match]\nName=eth0\n\n[Link]\nMTUBytes=1500\n\n[Network]\n'), files[0].content)
  assert.ok(files[2].content!.endsWith('[Network]\nIPv6AcceptRA=no\nAddress=198.19.3.2/24\nGateway=198.19.3.1\nDomains=lab.example\n\n[Route]\nDestination=10.9.0.0/16\nGateway=198.19.3.254\n'), files[2].content)
})

test('persist refuses, before anything changes, an uplink file that matches other links too, and a file read before the bridge\'s that would take the bridge', () => {
  const net = canned('network-fresh.txt')
  const w = bridgeWish({ bridge: 'br0' }, net)
  const glob = `${DIR}/10-wired.network`
  assert.throws(() => networkd.persist(w, facts(net, system([{ path: glob, content: '[Match]\nName=e*\n\n[Network]\nDHCP=yes\n' }], [`eth0 ${glob} -`]))), /10-wired\.network matches more than eth0 \(\[Match\] Name=e\*\).*nothing was changed/)
  const catchAll = `${DIR}/05-all.network`
  assert.throws(
    () => networkd.persist(w, facts(net, system([{ path: catchAll, content: '[Match]\nName=*\n' }, { path: UPLINK, content: STATIC }]))),
    /05-all\.network would be applied to br0 before \/etc\/systemd\/network\/10-br0\.network/,
  )
})

test('the runtime change: networkctl reload, the bridge awaited, a failed link asked again; nothing once bridged; the rollback: files, ip (the bridge deleted), networkd again', () => {
  const net = canned('network-fresh.txt')
  const f = facts(net, system([{ path: UPLINK, content: STATIC }]))
  const w = bridgeWish({ bridge: 'br0' }, net)
  const change = networkd.planRuntime(w, f)!
  assert.equal(change.apply.split('\n').slice(0, 6), [
    'set -e',
    'networkctl reload',
    'i=0; until { n=$(cat /sys/class/net/br0/ifindex 2>/dev/null) && ip link show dev br0 >/dev/null 2>&1 && [ -e "/run/systemd/netif/links/$n" ]; } || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done',
    // A bridge that was there already keeps its MAC under networkd before v257: ip gives it the uplink's.
    "{ read -r m < /sys/class/net/br0/address; } 2>/dev/null && [ \"$m\" = 02:6b:76:13:00:03 ] || ip link set br0 address 02:6b:76:13:00:03",
    // ip enslaves the port first: networkd can try before it has seen the new bridge, and leaves the port failed.
    '[ -e /sys/class/net/br0/brif/eth0 ] || ip link set eth0 master br0',
    // Only a link networkd failed is asked again: a reconfigure of br0 while its lease's address waits would leave it unset (systemd 252).
    `f=$(networkctl list --no-legend --no-pager eth0 br0 2>/dev/null | awk '$5 == "failed" { print $2 }'); [ -z "$f" ] || networkctl reconfigure $f || :`,
  ])
  // Then it waits for br0 to forward and carry the address and the default route, and eth0 none; every 3 s the port enslaved
  // again, a link networkd reports failed reconfigured (no other: that would drop a lease), at 6 s br0 if networkd says it is done with it.
  assert.match(change.apply, /until \{ .*operstate.*grep -qF ' 198\.19\.3\.2\/24 ' && ip route show default \| grep -qF 'dev br0' && ! ip -o addr show dev eth0 scope global \| grep -q \.; \} \|\| \[ \$i -ge 150 \]/)
  assert.match(change.apply, /\[ \$\(\(i % 30\)\) -ne 0 \] \|\| \{\n.*ip link set eth0 master br0 \|\| :\n    f=\$\(networkctl list --no-legend --no-pager eth0 br0 2>\/dev\/null \| awk '\$5 == "failed" \{ print \$2 \}'\); \[ -z "\$f" \] \|\| networkctl reconfigure \$f \|\| :\n    \[ \$i -ne 60 \] \|\| ! networkctl list --no-legend --no-pager br0 .* \|\| networkctl reconfigure br0 \|\| :\n    ip addr flush dev eth0 scope global \|\| :\n  \}/)
  assert.match(change.apply, /\n\{ .* \} \|\| \{ echo 'kvmplay: br0 is not as wished after 15 s \(operstate up, 198\.19\.3\.2\/24, the default route\); networkd and the kernel say:' >&2; networkctl list/)
  assert.ok(change.apply.split('\n').includes('ip addr flush dev eth0 scope global'), 'a port carries no address: ip takes off what networkd may leave')
  assert.equal([change.state, change.bridge, change.uplink.name], ['present', 'br0', 'eth0'])
  const after = bridged(net)
  assert.is(networkd.planRuntime(bridgeWish({ bridge: 'br0' }, after), facts(after, f.system)), undefined)
  const r = networkd.restore(change, f, [{ path: UPLINK, content: STATIC, mode: '0644', owner: 'root', group: 'root' }, { path: NETDEV }, { path: BRNET }])
  const lines = r.script.split('\n')
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l))
  assert.ok(at(/mv -f -- .*10-eth0\.network$/) < at(/^ip link del br0/), 'the files first')
  assert.ok(at(/rm -f -- \/etc\/systemd\/network\/10-br0\.netdev/) >= 0)
  assert.ok(at(/^ip link del br0/) < at(/^networkctl reload$/), 'the bridge deleted by ip: networkd never deletes a netdev')
  assert.ok(at(/^ip addr add 198\.19\.3\.2\/24 dev eth0$/) < at(/^networkctl reconfigure eth0$/))
  assert.match(r.describe, /no br0; eth0 198\.19\.3\.2\/24; .*networkctl reload and reconfigure/)
})

test.run()
