/**
 * What the network fact reads from a host is checked before any template
 * sees it: canned output of a lab host with one value made hostile (or
 * broken) is refused naming the host, the source and the value; a bad name
 * server only when a task would write it, so `dns:` given is a way past it.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { hostNetworkFact, parseHostNetwork } from '../../src/facts/network.ts'
import { isNameServer } from '../../src/facts/network-values.ts'
import { bridgeWish } from '../../src/network/wish.ts'
import { writeIfcfg } from '../../tasks/bridge.ts'
import { errorMessageOf, rejectionMessageOf } from '../helpers/errors.ts'
import { cannedHost } from '../helpers/host.ts'

const fresh = readFileSync(new URL('../fixtures/canned/network-fresh.txt', import.meta.url), 'utf8')
const dualstack = readFileSync(new URL('../fixtures/canned/network-dualstack.txt', import.meta.url), 'utf8')
/** The fresh host's output with one string replaced (it must be there). */
const freshWith = (from: string, to: string) => {
  assert.ok(fresh.includes(from), from)
  return fresh.split(from).join(to)
}
const refusal = (out: string) => errorMessageOf('fact', () => parseHostNetwork(out, 'h2'))

test('the canned hosts pass: their names, MACs, addresses, routes and name servers are all fine', () => {
  for (const out of [fresh, dualstack]) assert.not.ok(parseHostNetwork(out, 'h2').dnsRefused)
})

test('a name server that is not an address: left out of dns, and the bridge wish refuses it naming host, file and value', () => {
  const net = parseHostNetwork(freshWith('nameserver 198.19.3.1', 'nameserver 198.19.3.1\nnameserver 1.1.1.1$(reboot)'), 'h2')
  assert.equal(net.dns, ['198.19.3.1'], 'never the bad one')
  const message = errorMessageOf('fact', () => bridgeWish({ bridge: 'br0' }, net))
  assert.is(message, '/etc/resolv.conf on h2 has name server "1.1.1.1$(reboot)", which is not an address: fix it or give dns: explicitly')
  // Given dns, the host's name servers are not needed: the bridge is planned.
  assert.equal(bridgeWish({ bridge: 'br0', dns: ['192.0.2.53'] }, net).dns, ['192.0.2.53'])
})

test('through the task and the fact as the runner reads it: the host named is the inventory one, and no ifcfg file is planned', async () => {
  const res = { code: 0, stdout: freshWith('nameserver 198.19.3.1', 'nameserver 198.19.3.1;reboot'), stderr: '' }
  const host = cannedHost({ network: () => hostNetworkFact.parse(res, undefined, 'hv7'), 'network-system': () => ({ netplan: [], networkScripts: true }), file: () => ({ exists: false }) }, 'hv7')
  const message = await rejectionMessageOf('fact', writeIfcfg({ bridge: 'br0' }).plan(host))
  assert.match(message, '/etc/resolv.conf on hv7 has name server "198.19.3.1;reboot"')
  const plan = await writeIfcfg({ bridge: 'br0', dns: ['198.19.3.1'] }).plan(host)
  assert.ok(plan.steps.every((s) => !s.diff!.after.includes('reboot')))
})

test('name servers: IPv4, IPv6, and a link-local one with its interface; nothing else', () => {
  for (const good of ['198.19.3.1', '2001:db8::53', 'fe80::1%eth0']) assert.ok(isNameServer(good), good)
  for (const bad of ['1.1.1.1$(reboot)', '`id`', 'fe80::1%eth0;id', 'fe80::1%$(id)', '198.19.3.1%eth0', 'dns.example.', '999.1.1.1', "1.1.1.1'"]) assert.not.ok(isNameServer(bad), bad)
})

test('an interface name a config file cannot hold: the whole fact is refused, naming host and name', () => {
  const out = freshWith('"ifname":"eth0"', '"ifname":"e$(reboot)"')
  assert.is(refusal(out), 'ip -j on h2 reports an interface named "e$(reboot)", which kvmplay cannot write into a network configuration (it takes 1–15 letters, digits, "_", "." or "-"): rename it')
  assert.match(refusal(freshWith('"ifname":"eth0"', '"ifname":"an-interface-name-too-long"')), '"an-interface-name-too-long"')
  assert.match(refusal(freshWith('"ifname":"eth0"', '"ifname":"-eth0"')), 'named "-eth0"')
})

test('a MAC, an address or a route that is not one is refused, naming it', () => {
  assert.match(refusal(freshWith('"address":"02:6b:76:13:00:03"', '"address":"02:6b:76:13:00:03\\nx"')), /link address "02:6b:76:13:00:03\\nx" for eth0, which is not a MAC address/)
  assert.match(refusal(freshWith('"local":"198.19.3.2"', '"local":"198.19.3.2 up"')), 'ip -j on h2 reports address "198.19.3.2 up/24" on eth0, which is not an IPv4 address')
  assert.match(refusal(freshWith('"prefixlen":24', '"prefixlen":"24;id"')), 'which is not an IPv4 address with its prefix length')
  assert.match(refusal(freshWith('"gateway":"198.19.3.1"', '"gateway":"198.19.3.1 dev x"')), /ip -j route on h2 has a route .* whose gateway is not an address/)
  assert.match(refusal(freshWith('"dst":"198.19.3.0/24"', '"dst":"198.19.3.0/24$(id)"')), 'whose destination is not an address')
  assert.match(refusal(freshWith('"dev":"eth0"', '"dev":"eth0 x"')), 'whose device is not an interface name')
})

test('what ip reports for other kinds of link passes: no MAC, an InfiniBand one, a tunnel endpoint; routes without a device', () => {
  for (const address of ['', '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0e:cf:81', '0.0.0.0', '::']) {
    assert.ok(parseHostNetwork(freshWith('"address":"02:6b:76:13:00:03"', `"address":"${address}"`), 'h2'), address)
  }
  const unreachable = freshWith('[{"dst":"default"', '[{"type":"unreachable","dst":"203.0.113.0/24","flags":[]},{"dst":"default"')
  assert.ok(parseHostNetwork(unreachable, 'h2').routes.some((r) => r.dst === '203.0.113.0/24'))
})

test.run()
