/** The pure parts of host profiles: parsing, round-robin, each profile's network system and packages (its files: layouts.test.ts). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { LAB_PROFILES, networkSystem, parseProfiles, profileForHost, runsNetworkManager, runsNetworkd } from '../../src/lab/profiles.ts'
import { missingPackages, packagesFor, preflight } from '../../src/lab/preflight.ts'

test('a profile or a comma-separated list of them parses in order', () => {
  assert.equal(parseProfiles('none'), ['none'])
  assert.equal(parseProfiles('networkmanager, ifupdown,netplan'), ['networkmanager', 'ifupdown', 'netplan'])
  for (const p of LAB_PROFILES) assert.equal(parseProfiles(p), [p])
})

test('an unknown profile or an empty entry is refused as invalid input, naming the known ones', () => {
  assert.throws(() => parseProfiles('systemd-networkd'), /^invalid profile 'systemd-networkd': use one of none, network-scripts, networkmanager, ifupdown, ifupdown-installer, ifupdown-cloud, netplan, netplan-installer, netplan-cloud, networkd, netplan-networkd-installer, netplan-networkd-cloud, ifupdown2, proxmox, bare-debian \(/)
  assert.throws(() => parseProfiles('networkmanager,,ifupdown'), /^invalid profile list/)
  assert.throws(() => parseProfiles(''), /^invalid profile list/)
})

test('hosts get the profiles round-robin: h1 the first, h2 the second, h4 the first again', () => {
  const list = parseProfiles('networkmanager,ifupdown,netplan')
  assert.equal([1, 2, 3, 4, 5].map((i) => profileForHost(list, i)), ['networkmanager', 'ifupdown', 'netplan', 'networkmanager', 'ifupdown'])
  assert.is(profileForHost(['ifupdown'], 7), 'ifupdown')
  assert.is(profileForHost([], 1), 'none')
})

test('each profile runs its network system; the variants share their family\'s', () => {
  assert.equal(LAB_PROFILES.map(networkSystem), [
    'none', 'network-scripts', 'networkmanager', 'ifupdown', 'ifupdown', 'ifupdown', 'netplan', 'netplan', 'netplan',
    'networkd', 'netplan-networkd', 'netplan-networkd', 'ifupdown2', 'ifupdown2', 'ifupdown',
  ])
  assert.ok(runsNetworkManager('netplan-cloud') && runsNetworkManager('networkmanager'))
  assert.not.ok(runsNetworkManager('ifupdown-cloud') || runsNetworkManager('netplan-networkd-cloud'))
  assert.equal(LAB_PROFILES.filter(runsNetworkd), ['networkd', 'netplan-networkd-installer', 'netplan-networkd-cloud'])
})

test("preflight asks for a profile's packages only when the lab uses that profile", () => {
  const without = (pkgs: string[]) => (path: string) => !pkgs.some((p) => packagesFor(['netplan', 'ifupdown'])[p] === path)
  const has = without(['network-manager', 'netplan.io'])
  preflight({ platform: 'linux', uid: 0, has }, ['none', 'ifupdown'])
  assert.equal(missingPackages(has, ['netplan']), ['netplan.io', 'network-manager'])
  try {
    preflight({ platform: 'linux', uid: 0, has }, ['netplan'])
    assert.unreachable('should have thrown')
  } catch (e) {
    const msg = (e as Error).message
    assert.match(msg, 'missing: netplan.io, network-manager')
    assert.match(msg, 'scripts/bootstrap.sh')
    assert.match(msg, 'policy-rc.d')
  }
})

test.run()
