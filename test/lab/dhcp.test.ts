/** The pure parts of the lab's DHCP server and of DHCP uplinks: dnsmasq's arguments, the files, --dhcp's validation. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { hostPlan } from '../../src/lab/addressing.ts'
import { dnsmasqArgs, prefixMask } from '../../src/lab/dhcp.ts'
import { supportsDhcp, validateDhcp } from '../../src/lab/profiles.ts'
import { profileFiles } from '../../src/lab/layouts.ts'

const lab = { name: 'lab', net: '198.18', dir: '/tmp/kvmplay-lab' } as const
const h1 = hostPlan(lab, 1)
const h3 = hostPlan(lab, 3)

test('dnsmasq: bound to the DHCP hosts\' root-side veths only, no DNS, its files under the lab directory', () => {
  const args = dnsmasqArgs(lab.dir, [h1, h3])
  for (const a of ['--bind-interfaces', '--except-interface=lo', '--port=0', '--no-resolv', '--no-hosts', '--conf-file=/dev/null']) {
    assert.ok(args.includes(a), a)
  }
  assert.equal(args.filter((a) => a.startsWith('--interface=')), ['--interface=kvlab-h1', '--interface=kvlab-h3'])
  assert.equal(
    args.filter((a) => /^--(pid-file|dhcp-leasefile|log-facility)=/.test(a)).map((a) => a.split('=')[1]),
    ['/tmp/kvmplay-lab/dnsmasq.log', '/tmp/kvmplay-lab/dnsmasq.pid', '/tmp/kvmplay-lab/dnsmasq.leases'],
  )
  assert.not.ok(args.some((a) => a.startsWith('--server') || a.startsWith('--listen-address')))
})

test('dnsmasq: each host always gets its own lab address, with its own gateway as router and DNS', () => {
  const args = dnsmasqArgs(lab.dir, [h3])
  assert.ok(args.includes('--dhcp-range=set:h3,198.18.3.0,static,255.255.255.0,12h'))
  assert.ok(args.includes('--dhcp-host=02:6b:76:12:00:03,198.18.3.2'))
  assert.ok(args.includes('--dhcp-option=tag:h3,option:router,198.18.3.1'))
  assert.ok(args.includes('--dhcp-option=tag:h3,option:dns-server,198.18.3.1'))
  assert.not.ok(args.some((a) => /^--dhcp-range=(?!.*,static,)/.test(a)), 'no dynamic pool')
  assert.throws(() => dnsmasqArgs(lab.dir, []), /no DHCP host/)
})

test('dnsmasq: the LAN server for hosts with guests: their subnets, no address of their own, the reservations directory', () => {
  const args = dnsmasqArgs(lab.dir, [h3], [h1, h3])
  assert.ok(args.includes('--dhcp-hostsdir=/tmp/kvmplay-lab/lan-reservations'))
  assert.equal(args.filter((a) => a.startsWith('--interface=')), ['--interface=kvlab-h1', '--interface=kvlab-h3'])
  assert.ok(args.includes('--dhcp-range=set:h1,198.18.1.0,static,255.255.255.0,12h'))
  assert.not.ok(args.some((a) => a.startsWith('--dhcp-host=02:6b:76:12:00:01')), "h1's uplink is static: no lease for it")
  assert.ok(args.includes('--dhcp-host=02:6b:76:12:00:03,198.18.3.2'))
  assert.is(args.filter((a) => a.startsWith('--dhcp-range=set:h3,')).length, 1, 'a subnet served once')
  assert.not.ok(dnsmasqArgs(lab.dir, [h3]).some((a) => a.startsWith('--dhcp-hostsdir')), 'no guests, no reservations')
})

test('prefixMask', () => {
  assert.is(prefixMask(24), '255.255.255.0')
  assert.is(prefixMask(16), '255.255.0.0')
  assert.is(prefixMask(0), '0.0.0.0')
  assert.is(prefixMask(32), '255.255.255.255')
})

test('--dhcp: NetworkManager and netplan only; others named in the error', () => {
  assert.ok(supportsDhcp('networkmanager') && supportsDhcp('netplan') && supportsDhcp('netplan-cloud') && supportsDhcp('netplan-installer'))
  assert.ok(supportsDhcp('networkd') && supportsDhcp('netplan-networkd-installer') && supportsDhcp('netplan-networkd-cloud'))
  assert.not.ok(supportsDhcp('ifupdown') || supportsDhcp('ifupdown-cloud') || supportsDhcp('none') || supportsDhcp('network-scripts'))
  assert.not.ok(supportsDhcp('ifupdown2') || supportsDhcp('proxmox'))
  validateDhcp(['networkmanager', 'netplan'])
  assert.throws(() => validateDhcp(['networkmanager', 'ifupdown', 'none', 'ifupdown']), /^invalid --dhcp: profile ifupdown, none cannot/)
  assert.throws(() => profileFiles(lab.name, h3, 'ifupdown', true), /invalid --dhcp/)
})

test('DHCP uplink files: the keyfile says method=auto, netplan dhcp4: true, neither a static address', () => {
  const [keyfile] = profileFiles(lab.name, h3, 'networkmanager', true)
  assert.match(keyfile.content, /^\[ipv4\]\nmethod=auto\n\n/m)
  assert.not.match(keyfile.content, /address1=|^dns=/m)
  const [np] = profileFiles(lab.name, h3, 'netplan', true)
  const eth0 = parse(np.content).network.ethernets.eth0
  assert.equal(eth0, { match: { macaddress: '02:6b:76:12:00:03' }, 'set-name': 'eth0', dhcp4: true, dhcp6: false })
  // Static stays as it was.
  assert.match(profileFiles(lab.name, h3, 'networkmanager')[0].content, /^address1=198\.18\.3\.2\/24,198\.18\.3\.1\ndns=198\.18\.3\.1;\nmethod=manual$/m)
  assert.is(parse(profileFiles(lab.name, h3, 'netplan')[0].content).network.ethernets.eth0.dhcp4, false)
})

test.run()
