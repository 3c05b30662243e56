/** The pure parts of host profiles: parsing, round-robin, and the files each profile's own network system reads. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { hostPlan } from '../../src/lab/addressing.ts'
import {
  LAB_PROFILES,
  connectionUuid,
  networkManagerConf,
  parseProfiles,
  profileFiles,
  profileForHost,
} from '../../src/lab/profiles.ts'
import { missingPackages, packagesFor, preflight } from '../../src/lab/preflight.ts'

const lab = { name: 'lab', net: '198.18', dir: '/tmp/kvmplay-lab' } as const
const h3 = hostPlan(lab, 3)

/** A keyfile (INI) as sections of key → value; comments and blank lines dropped. */
function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const head = /^\[(.+)\]$/.exec(line)
    if (head) {
      section = head[1]
      out[section] ??= {}
      continue
    }
    const eq = line.indexOf('=')
    assert.ok(eq > 0, `not key=value in [${section}]: ${line}`)
    out[section][line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

test('a profile or a comma-separated list of them parses in order', () => {
  assert.equal(parseProfiles('none'), ['none'])
  assert.equal(parseProfiles('networkmanager, ifupdown,netplan'), ['networkmanager', 'ifupdown', 'netplan'])
  for (const p of LAB_PROFILES) assert.equal(parseProfiles(p), [p])
})

test('an unknown profile or an empty entry is refused as invalid input, naming the known ones', () => {
  assert.throws(() => parseProfiles('systemd-networkd'), /^invalid profile 'systemd-networkd': use one of none, network-scripts, networkmanager, ifupdown, netplan/)
  assert.throws(() => parseProfiles('networkmanager,,ifupdown'), /^invalid profile list/)
  assert.throws(() => parseProfiles(''), /^invalid profile list/)
})

test('hosts get the profiles round-robin: h1 the first, h2 the second, h4 the first again', () => {
  const list = parseProfiles('networkmanager,ifupdown,netplan')
  assert.equal([1, 2, 3, 4, 5].map((i) => profileForHost(list, i)), ['networkmanager', 'ifupdown', 'netplan', 'networkmanager', 'ifupdown'])
  assert.is(profileForHost(['ifupdown'], 7), 'ifupdown')
  assert.is(profileForHost([], 1), 'none')
})

test('none persists nothing beyond the ifcfg file', () => {
  assert.equal(profileFiles(lab.name, h3, 'none'), [])
})

test("network-scripts: CentOS's scripts where CentOS keeps them, executable, functions also at /etc/init.d, NETWORKING=yes", () => {
  const files = new Map(profileFiles(lab.name, h3, 'network-scripts').map((f) => [f.path, f]))
  for (const s of ['ifup', 'ifdown', 'ifup-eth', 'ifup-routes', 'ifup-post']) assert.is(files.get(`/etc/sysconfig/network-scripts/${s}`)?.mode, 0o755, s)
  assert.match(files.get('/etc/rc.d/init.d/network')!.content, /Bringing up interface/)
  assert.is(files.get('/etc/init.d/functions')!.content, files.get('/etc/rc.d/init.d/functions')!.content)
  assert.is(files.get('/etc/sysconfig/network')!.content, 'NETWORKING=yes\n')
  assert.ok(![...files.keys()].some((p) => p.includes('ifcfg-eth')), 'the ifcfg file is the lab\'s, written as on every profile')
})

test("networkmanager: eth0's keyfile, root's 0600, static address, gateway, DNS and the MAC", () => {
  const [file, ...rest] = profileFiles(lab.name, h3, 'networkmanager')
  assert.equal(rest, [])
  assert.is(file.path, '/etc/NetworkManager/system-connections/eth0.nmconnection')
  assert.is(file.mode, 0o600)
  const k = ini(file.content)
  assert.equal(k.connection, { id: 'eth0', uuid: connectionUuid('lab', 'h3', 'eth0'), type: 'ethernet', 'interface-name': 'eth0', autoconnect: 'true' })
  assert.is(k.ethernet['mac-address'], '02:6B:76:12:00:03')
  assert.equal(k.ipv4, { method: 'manual', address1: '198.18.3.2/24,198.18.3.1', dns: '198.18.3.1;', 'may-fail': 'false' })
  assert.is(k.ipv6.method, 'disabled')
  assert.match(connectionUuid('lab', 'h3', 'eth0'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.is.not(connectionUuid('lab', 'h3', 'eth0'), connectionUuid('lab', 'h4', 'eth0'))
})

test("NetworkManager's config keeps the host inside the lab: keyfile only, no DHCP by default, no DNS, not lo/virbr/vnet", () => {
  const c = ini(networkManagerConf())
  assert.is(c.main.plugins, 'keyfile')
  assert.is(c.main['no-auto-default'], '*')
  assert.is(c.main.dns, 'none')
  assert.is(c.main['rc-manager'], 'unmanaged')
  assert.equal(c.keyfile['unmanaged-devices'].split(';'), ['interface-name:lo', 'interface-name:virbr*', 'interface-name:vnet*'])
  assert.is(c.connectivity.enabled, 'false')
})

test('ifupdown: /etc/network/interfaces with lo and eth0 static (address/CIDR, gateway, dns-nameservers)', () => {
  const [file] = profileFiles(lab.name, h3, 'ifupdown')
  assert.is(file.path, '/etc/network/interfaces')
  const lines = file.content.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  assert.equal(lines, [
    'source /etc/network/interfaces.d/*',
    'auto lo',
    'iface lo inet loopback',
    'auto eth0',
    'iface eth0 inet static',
    'address 198.18.3.2/24',
    'gateway 198.18.3.1',
    'dns-nameservers 198.18.3.1',
  ])
})

test('netplan: 0600 YAML for NetworkManager, eth0 matched by MAC, static address, default route, name server', () => {
  const [file] = profileFiles(lab.name, h3, 'netplan')
  assert.is(file.path, '/etc/netplan/01-kvmplay-lab.yaml')
  assert.is(file.mode, 0o600)
  assert.equal(parse(file.content), {
    network: {
      version: 2,
      renderer: 'NetworkManager',
      ethernets: {
        eth0: {
          match: { macaddress: '02:6b:76:12:00:03' },
          'set-name': 'eth0',
          dhcp4: false,
          dhcp6: false,
          addresses: ['198.18.3.2/24'],
          routes: [{ to: 'default', via: '198.18.3.1' }],
          nameservers: { addresses: ['198.18.3.1'] },
        },
      },
    },
  })
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
