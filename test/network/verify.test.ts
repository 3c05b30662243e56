/**
 * VERIFY, what a rollback is checked against: its digest of `ip -o addr show
 * scope global`, `ip route show` and the IPv6 default routes keeps
 * the device and address of each global address, sorted, each default
 * route's gateway and device, and every other route someone added (its
 * destination, gateways and devices; not the kernel's prefix routes) — so it is the same before and after a rollback
 * that restored the network, whatever the kernel renumbered, the clock
 * counted down or a network daemon set as metric and protocol meanwhile.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { VERIFY } from '../../src/network/verify.ts'

const digest = (out: string) => VERIFY.digest!(out)

// As `ip -4 -o -batch -` prints them on a bridged host: index, device, family, address, then what varies.
const BEFORE = `4: br0    inet 192.0.2.2/24 brd 192.0.2.255 scope global br0\\       valid_lft forever preferred_lft forever
7: virbr0    inet 192.168.122.1/24 brd 192.168.122.255 scope global virbr0\\       valid_lft forever preferred_lft forever
default via 192.0.2.1 dev br0 proto static metric 425 
`

test('the digest is the device and address of each line, sorted, then the default route', () => {
  assert.is(digest(BEFORE), 'br0 192.0.2.2/24\nvirbr0 192.168.122.1/24\ndefault via 192.0.2.1 dev br0')
})

test('the order the kernel lists addresses in does not matter', () => {
  const [br0, virbr0, route] = BEFORE.split('\n')
  assert.is(digest(`${virbr0}\n${br0}\n${route}\n`), digest(BEFORE))
})

test('interface indexes, brd, flags and address lifetimes do not matter', () => {
  // A bridge created again has a new index; a DHCP lease's lifetimes count down.
  const after = `12: virbr0    inet 192.168.122.1/24 scope global virbr0\\       valid_lft forever preferred_lft forever
9: br0    inet 192.0.2.2/24 brd 192.0.2.255 scope global dynamic noprefixroute br0\\       valid_lft 86017sec preferred_lft 86017sec
default via 192.0.2.1 dev br0 proto static metric 425 
`
  assert.is(digest(after), digest(BEFORE))
})

test("a route's metric and protocol (a network daemon's) do not matter; IPv6 addresses and default routes do", () => {
  assert.is(digest(BEFORE.replace('proto static metric 425', 'proto dhcp metric 100')), digest(BEFORE))
  const v6 = `${BEFORE}5: br0    inet6 2001:db8::2/64 scope global \\       valid_lft forever preferred_lft forever\ndefault6 via 20010db8000000000000000000000001 dev br0\n`
  assert.is(digest(v6), 'br0 192.0.2.2/24\nbr0 2001:db8::2/64\nvirbr0 192.168.122.1/24\ndefault via 192.0.2.1 dev br0\ndefault6 via 20010db8000000000000000000000001 dev br0')
  assert.is.not(digest(v6.replace('default6 via 20010db8000000000000000000000001 dev br0', '')), digest(v6))
})

test('an address on another device, another prefix, a lost address or another route does matter', () => {
  const changed = [
    BEFORE.replace('4: br0    inet 192.0.2.2/24 brd 192.0.2.255 scope global br0', '2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0'),
    BEFORE.replace('192.0.2.2/24', '192.0.2.2/25'),
    BEFORE.split('\n').slice(1).join('\n'),
    BEFORE.replace('dev br0 proto', 'dev eth0 proto'),
    BEFORE.replace(/^default.*$/m, ''),
  ]
  for (const out of changed) assert.is.not(digest(out), digest(BEFORE), out)
})

// As `ip -o link show` prints them: the bridge, its port (a veth here), libvirt's bridge and a guest's tap.
const LINKS = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: eth0@if951: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000\\    link/ether 02:6b:76:13:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0
4: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 02:6b:76:13:00:01 brd ff:ff:ff:ff:ff:ff
7: virbr0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:c6:33:96 brd ff:ff:ff:ff:ff:ff
9: vnet0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master virbr0 state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ether fe:54:00:13:01:01 brd ff:ff:ff:ff:ff:ff
`

test("links: each one's master and whether it is set up — not loopback, the guests' taps, the carrier or the index", () => {
  assert.is(digest(LINKS + BEFORE), 'link br0 up\nlink eth0 master br0 up\nlink virbr0 up\nbr0 192.0.2.2/24\nvirbr0 192.168.122.1/24\ndefault via 192.0.2.1 dev br0')
  const carrierLost = LINKS.replace('<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP', '<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN').replace('4: br0', '14: br0').replace('9: vnet0', '9: vnet3')
  assert.is(digest(carrierLost + BEFORE), digest(LINKS + BEFORE))
  const unbridged = LINKS.replace(' master br0', '').replace(/^4: br0.*\n/m, '')
  assert.is(digest(unbridged + BEFORE).split('\n').slice(0, 2).join('\n'), 'link eth0 up\nlink virbr0 up')
  assert.is.not(digest(LINKS.replace('<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master', '<BROADCAST,MULTICAST> mtu 1500 qdisc noqueue master') + BEFORE), digest(LINKS + BEFORE), 'eth0 left down matters')
})

test('blank lines and no addresses at all', () => {
  assert.is(digest('\n\ndefault via 192.0.2.1 dev eth0 \n\n'), 'default via 192.0.2.1 dev eth0')
  assert.is(digest(''), '')
})

test('one ip process reads both: the addresses and the route, in a batch', () => {
  assert.match(VERIFY.command, /^ip -o -batch - <</)
  assert.match(VERIFY.command, '/proc/net/ipv6_route')
  assert.match(VERIFY.command, '\nlink show\naddr show scope global\nroute show\n')
})

test("routes someone added count (destination, gateway, device, each nexthop), in any order; the kernel's prefix routes, metrics and protocols do not", () => {
  const ROUTES = `${BEFORE}198.51.100.0/24 via 192.0.2.254 dev br0 proto static metric 100 
192.0.2.0/24 dev br0 proto kernel scope link src 192.0.2.2 
blackhole 203.0.113.0/24 proto static 
10.9.0.0/16 proto static metric 20 nexthop via 192.0.2.7 dev br0 weight 1 nexthop via 192.0.2.8 dev br0 weight 1 
`
  assert.is(
    digest(ROUTES),
    'br0 192.0.2.2/24\nvirbr0 192.168.122.1/24\ndefault via 192.0.2.1 dev br0\nroute 10.9.0.0/16 via 192.0.2.7 dev br0 via 192.0.2.8 dev br0\nroute 198.51.100.0/24 via 192.0.2.254 dev br0\nroute blackhole 203.0.113.0/24',
  )
  const reordered = ROUTES.split('\n').reverse().join('\n').replace('proto static metric 100', 'proto boot').replace(/^192\.0\.2\.0\/24 .*$/m, '')
  assert.is(digest(reordered), digest(ROUTES))
  assert.is.not(digest(ROUTES.replace('via 192.0.2.254 dev br0', 'via 192.0.2.254 dev eth0')), digest(ROUTES), 'another device')
  assert.is.not(digest(ROUTES.replace(/^198\.51\.100.*$/m, '')), digest(ROUTES), 'a lost route')
})

test.run()
