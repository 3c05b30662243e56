/** The NetworkManager system: which uplinks it claims, its keyfiles, the checkpointed apply and the rollback's order. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseHostNetwork } from '../../../../src/facts/network.ts'
import type { HostNetwork } from '../../../../src/facts/network.ts'
import type { NetworkSystemFacts, NmProfile } from '../../../../src/facts/network-system.ts'
import { bridgeWish } from '../../../../src/network/wish.ts'
import type { BridgeWish } from '../../../../src/network/wish.ts'
import type { BridgeOptions } from '../../../../src/network/options.ts'
import type { NetworkFacts, PersistedFile } from '../../../../src/network/system.ts'
import { changedLinks } from '../../../../src/network/system.ts'
import { chooseSystem } from '../../../../src/network/choose.ts'
import { ifcfg as ifcfgBackend } from '../../../../src/network/systems/ifcfg/index.ts'
import { networkManager as nm } from '../../../../src/network/systems/networkmanager/index.ts'
import { CHECKPOINT_FLAGS } from '../../../../src/network/systems/networkmanager/checkpoint.ts'
import { nic } from '../uplinks.ts'

const canned = (f: string) => parseHostNetwork(readFileSync(new URL(`../../../fixtures/canned/${f}`, import.meta.url), 'utf8'))
const KEYFILES = '/etc/NetworkManager/system-connections'
const eth0Profile: NmProfile = { name: 'eth0', uuid: '0b1c7a3e-6a55-5c0e-9a1f-2d3e4f5a6b7c', type: '802-3-ethernet', device: 'eth0', active: true, filename: `${KEYFILES}/eth0.nmconnection` }
const withNm = (net: HostNetwork, profiles: NmProfile[] = [eth0Profile], rest: Partial<NetworkSystemFacts> = {}): NetworkFacts => ({
  net,
  system: { networkManager: { profiles }, netplan: [], networkScripts: false, ...rest },
})

/** A keyfile read back as INI: section → key → value (comments and blank lines dropped). */
function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  let section = ''
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const s = /^\[(.+)\]$/.exec(line)
    if (s) {
      section = s[1]
      out[section] ??= {}
      continue
    }
    const eq = line.indexOf('=')
    assert.ok(eq > 0 && section, `not a key=value line in a section: ${JSON.stringify(line)}`)
    out[section][line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

const contentOf = (files: PersistedFile[], path: string) => {
  const f = files.find((x) => x.path === path)
  assert.ok(f?.content, `${path} is written`)
  return ini(f!.content!)
}

/**
 * The host as it is after the change: the addresses and default route on the
 * bridge, the uplink its port, and NetworkManager's profiles as the keyfiles
 * say (each active where it belongs, stored where it was written).
 */
function after(facts: NetworkFacts, w: BridgeWish, files: PersistedFile[]): NetworkFacts {
  const nic = facts.net.links.find((l) => l.name === w.uplink.name)!
  const links = facts.net.links.map((l) => (l.name === w.uplink.name ? { ...l, master: w.bridge, addresses: [], addresses6: [] } : l))
  links.push({ name: w.bridge, mac: nic.mac, up: true, kind: 'bridge', mtu: nic.mtu, addresses: nic.addresses, addresses6: nic.addresses6 })
  const routes = facts.net.routes.map((r) => (r.dev === w.uplink.name ? { ...r, dev: w.bridge } : r))
  const routes6 = facts.net.routes6.map((r) => (r.dev === w.uplink.name ? { ...r, dev: w.bridge } : r))
  const profiles: NmProfile[] = files
    .filter((f) => f.content)
    .map((f) => {
      const c = ini(f.content!).connection
      return { name: c.id, uuid: c.uuid, type: c.type === 'ethernet' ? '802-3-ethernet' : c.type, device: c['interface-name'], active: true, filename: f.path }
    })
  return { net: { ...facts.net, links, routes, routes6 }, system: { ...facts.system, networkManager: { profiles } } }
}

test('claims an uplink whose profile NetworkManager has active on it (or on the bridge, once bridged), saying which', () => {
  const net = canned('network-fresh.txt')
  assert.is(nm.claims(withNm(net), nic('eth0'), 'br0'), "NetworkManager profile 'eth0' is active on eth0")
  const bridged = withNm(net, [{ ...eth0Profile, name: 'br0-port-eth0' }, { name: 'br0', uuid: 'u', type: 'bridge', device: 'br0', active: true, filename: `${KEYFILES}/br0.nmconnection` }])
  assert.is(nm.claims(bridged, nic('eth0'), 'br0'), "NetworkManager profile 'br0-port-eth0' is active on eth0")
  assert.is(nm.claims(withNm(net, [{ name: 'br0', uuid: 'u', type: 'bridge', device: 'br0', active: true }]), nic('eth0'), 'br0'), "NetworkManager profile 'br0' is active on br0")
  assert.is(chooseSystem([nm, ifcfgBackend], withNm(net), nic('eth0'), 'br0').name, 'networkmanager')
})

test("leaves netplan's generated profiles to netplan, and hosts where NetworkManager does not run or keeps nothing on the uplink", () => {
  const net = canned('network-fresh.txt')
  const netplans: NmProfile = { name: 'netplan-eth0', uuid: 'u', type: '802-3-ethernet', device: 'eth0', active: true, filename: '/run/NetworkManager/system-connections/netplan-eth0.nmconnection' }
  assert.is(nm.claims(withNm(net, [netplans]), nic('eth0'), 'br0'), undefined)
  assert.is(nm.claims({ net, system: { netplan: [], networkScripts: false } }, nic('eth0'), 'br0'), undefined, 'NetworkManager not running')
  assert.is(nm.claims(withNm(net, [{ ...eth0Profile, active: false, device: undefined }]), nic('eth0'), 'br0'), undefined, 'a profile that is not active')
  assert.is(nm.claims(withNm(net, [{ ...eth0Profile, device: 'eth1' }]), nic('eth0'), 'br0'), undefined, 'active on another device')
  assert.throws(() => chooseSystem([nm, ifcfgBackend], withNm(net, [netplans]), nic('eth0'), 'br0'), /no network system that kvmplay knows keeps eth0 on this host \(NetworkManager runs, but no profile of it is active on eth0\)/, 'netplan\'s own system claims it where it is registered')
})

test('a static single-address uplink: a bridge keyfile with its address, MAC and gateway, the uplink rewritten in place as its port, both 0600', () => {
  const net = canned('network-fresh.txt')
  const facts = withNm(net)
  const w = bridgeWish({ bridge: 'br0' }, net)
  const files = nm.persist(w, facts)
  assert.equal(files.map((f) => [f.path, f.mode]), [[`${KEYFILES}/br0.nmconnection`, '0600'], [`${KEYFILES}/eth0.nmconnection`, '0600']])
  const br = contentOf(files, `${KEYFILES}/br0.nmconnection`)
  assert.equal(Object.keys(br), ['connection', 'ethernet', 'bridge', 'ipv4', 'ipv6'])
  assert.equal(br.connection, { id: 'br0', uuid: br.connection.uuid, type: 'bridge', 'interface-name': 'br0', autoconnect: 'true' })
  assert.match(br.connection.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(br.ethernet, { 'cloned-mac-address': '02:6b:76:13:00:03' })
  assert.equal(br.bridge, { stp: 'false' }, 'no forwarding delay without STP (NetworkManager takes none under 2 s; the kernel forwards at once)')
  assert.equal(br.ipv4, { method: 'manual', address1: '198.19.3.2/24,198.19.3.1', dns: '198.19.3.1;' })
  assert.equal(br.ipv6, { method: 'disabled' }, 'an uplink without IPv6 gets none on the bridge')
  const port = contentOf(files, `${KEYFILES}/eth0.nmconnection`)
  assert.equal(port.connection, { id: 'br0-port-eth0', uuid: eth0Profile.uuid, type: 'ethernet', 'interface-name': 'eth0', master: 'br0', 'slave-type': 'bridge', autoconnect: 'true' })
  assert.equal(port['bridge-port'], {})
  assert.not.ok(port.ipv4 || port.ipv6, 'a port has no IP of its own')
  assert.equal(Object.keys(port), ['connection', 'bridge-port'])
})

test("the uplink's added routes are the bridge keyfile's routeN (destination, gateway), also on the next run", () => {
  const fresh = canned('network-fresh.txt')
  const net = { ...fresh, routes: [...fresh.routes, { dst: '198.51.100.0/24', gateway: '198.19.3.254', dev: 'eth0', metric: 100, protocol: 'static' }, { dst: '203.0.113.7', dev: 'eth0', protocol: 'static' }] }
  const facts = withNm(net)
  const w = bridgeWish({ bridge: 'br0' }, net)
  const files = nm.persist(w, facts)
  const br = contentOf(files, `${KEYFILES}/br0.nmconnection`)
  assert.is(br.ipv4.route1, '198.51.100.0/24,198.19.3.254')
  assert.is(br.ipv4.route2, '203.0.113.7/32')
  const next = after(facts, w, files)
  assert.equal(nm.persist(bridgeWish({ bridge: 'br0' }, next.net), next), files, 'the second run writes the same')
})

test('a dual-stack uplink with several addresses and jumbo frames: every address in order, both gateways, name servers per family, the MTU on bridge and port', () => {
  const net = canned('network-dualstack.txt')
  const facts = withNm(net)
  const w = bridgeWish({ bridge: 'br0', stp: true, delay: 4 }, net)
  const files = nm.persist(w, facts)
  const br = contentOf(files, `${KEYFILES}/br0.nmconnection`)
  assert.equal(br.ethernet, { 'cloned-mac-address': '02:6b:76:12:00:07', mtu: '9000' })
  assert.equal(br.bridge, { stp: 'true', 'forward-delay': '4' })
  assert.equal(br.ipv4, { method: 'manual', address1: '198.18.7.2/24,198.18.7.1', address2: '198.18.70.2/26', address3: '198.18.7.3/24', dns: '198.18.7.1;' })
  assert.equal(br.ipv6, { method: 'manual', address1: '2001:db8:7::2/64,2001:db8:7::1', dns: '2001:db8:7::1;' })
  const port = contentOf(files, `${KEYFILES}/eth0.nmconnection`)
  assert.equal(port.ethernet, { mtu: '9000' })
})

test('a DHCP uplink: the bridge asks for the lease with the same MAC, with no addresses or name servers of its own', () => {
  const net = canned('network-fresh.txt')
  const leased: HostNetwork = { ...net, links: net.links.map((l) => (l.name === 'eth0' ? { ...l, addresses: l.addresses.map((a) => ({ ...a, dynamic: true })) } : l)) }
  const w = bridgeWish({ bridge: 'br0' }, leased)
  assert.is(w.bootproto, 'dhcp')
  const br = contentOf(nm.persist(w, withNm(leased)), `${KEYFILES}/br0.nmconnection`)
  assert.equal(br.ipv4, { method: 'auto' })
  assert.equal(br.ethernet, { 'cloned-mac-address': '02:6b:76:13:00:03' })
})

test('the same paths and contents after the change: the second run writes nothing', () => {
  for (const [fixture, opts] of [['network-fresh.txt', {}], ['network-dualstack.txt', { stp: true, delay: 2 }]] as [string, Partial<BridgeOptions>][]) {
    const facts = withNm(canned(fixture))
    const w = bridgeWish({ bridge: 'br0', ...opts }, facts.net)
    const files = nm.persist(w, facts)
    const later = after(facts, w, files)
    const w2 = bridgeWish({ bridge: 'br0', ...opts }, later.net)
    assert.equal(w2, w, `${fixture}: the same wish once bridged`)
    assert.equal(nm.persist(w2, later), files, `${fixture}: the same files once bridged`)
    assert.is(nm.planRuntime(w2, later), undefined, `${fixture}: nothing to do at run time once bridged`)
  }
})

test('a profile stored as ifcfg (ifcfg-rh) is replaced by a keyfile with its uuid, and the ifcfg files go; the paths stay the same after', () => {
  const facts = withNm(canned('network-fresh.txt'), [{ ...eth0Profile, name: 'System eth0', filename: '/etc/sysconfig/network-scripts/ifcfg-eth0' }])
  const w = bridgeWish({ bridge: 'br0' }, facts.net)
  const files = nm.persist(w, facts)
  assert.equal(files.map((f) => [f.path, f.content === undefined ? 'absent' : 'written']), [
    [`${KEYFILES}/br0.nmconnection`, 'written'],
    [`${KEYFILES}/eth0.nmconnection`, 'written'],
    ['/etc/sysconfig/network-scripts/ifcfg-eth0', 'absent'],
    ['/etc/sysconfig/network-scripts/ifcfg-br0', 'absent'],
  ])
  assert.is(contentOf(files, `${KEYFILES}/eth0.nmconnection`).connection.uuid, eth0Profile.uuid)
  // After the change the keyfiles are all NM has for these two; a host that still stores other profiles as ifcfg (ifcfg-rh loaded) keeps the same list.
  const other: NmProfile = { name: 'System eth1', uuid: 'x', type: '802-3-ethernet', active: false, filename: '/etc/sysconfig/network-scripts/ifcfg-eth1' }
  const later = after(facts, w, files)
  const laterWithOther = { ...later, system: { ...later.system, networkManager: { profiles: [...later.system.networkManager!.profiles, other] } } }
  assert.equal(nm.persist(w, laterWithOther), files)
})

test('a bridge profile NetworkManager already has keeps its uuid and its file', () => {
  const existing: NmProfile = { name: 'bridge-br0', uuid: '11111111-2222-5333-8444-555555555555', type: 'bridge', device: 'br0', active: true, filename: `${KEYFILES}/bridge-br0.nmconnection` }
  const facts = withNm(canned('network-fresh.txt'), [eth0Profile, existing])
  const files = nm.persist(bridgeWish({ bridge: 'br0' }, facts.net), facts)
  assert.is(files[0].path, existing.filename)
  assert.is(contentOf(files, existing.filename!).connection.uuid, existing.uuid)
})

test('STP with a forwarding delay NetworkManager does not take is refused before anything changes', () => {
  const facts = withNm(canned('network-fresh.txt'))
  assert.throws(() => nm.persist(bridgeWish({ bridge: 'br0', stp: true }, facts.net), facts), /NetworkManager takes a bridge forwarding delay of 2 to 30 s with STP on, not 0/)
})

test('a bond uplink is refused, named: its options are not in the facts', () => {
  const net = canned('network-fresh.txt')
  const bonded: HostNetwork = { ...net, links: net.links.map((l) => (l.name === 'eth0' ? { ...l, kind: 'bond' } : l)) }
  const w = bridgeWish({ bridge: 'br0' }, bonded)
  assert.equal(w.uplink, { kind: 'bond', name: 'eth0', mac: w.hwaddr, members: [] })
  assert.throws(() => chooseSystem([nm, ifcfgBackend], withNm(bonded), w.uplink, 'br0'), /the uplink eth0 is a bond, which kvmplay cannot yet bridge with NetworkManager.*nothing was changed/)
})

test('the apply: a checkpoint of every device with the rollback timeout and flags, its path kept beside the script, the keyfiles loaded, bridge then port up', () => {
  const net = canned('network-fresh.txt')
  const facts = withNm(net)
  const w = bridgeWish({ bridge: 'br0' }, net)
  const change = nm.planRuntime(w, facts, { confirmTimeoutSec: 30 })!
  assert.is(CHECKPOINT_FLAGS, 7)
  const lines = change.apply.split('\n')
  assert.match(lines[1], /^out=\$\(busctl call org\.freedesktop\.NetworkManager \/org\/freedesktop\/NetworkManager org\.freedesktop\.NetworkManager CheckpointCreate aouu 0 40 7\) \|\| /)
  assert.match(change.apply, /> "\$\{0%\/\*\}\/nm-checkpoint"/)
  const brUuid = contentOf(nm.persist(w, facts), `${KEYFILES}/br0.nmconnection`).connection.uuid
  assert.equal(lines.slice(-3), ['nmcli connection reload || exit 1', `nmcli -w 25 connection up uuid ${brUuid} || exit 1`, `nmcli -w 25 connection up uuid ${eth0Profile.uuid} || exit 1`])
  assert.equal(changedLinks(change), ['br0', 'eth0'])
  assert.match(change.confirm!, /read -r cp < "\$d\/nm-checkpoint".*\n\[ -z "\$cp" \] \|\| busctl call .* CheckpointDestroy o "\$cp"$/s)
  assert.match(change.describe, /NM rolls back by itself after 40 s/)
  for (const script of [change.apply, change.confirm!, change.rollback!]) {
    const r = spawnSync('sh', ['-n'], { input: script })
    assert.is(r.status, 0, `sh -n: ${r.stderr}`)
  }
})

test('the apply run against fake busctl and nmcli: the checkpoint path is stored, the profiles come up in order; a failed checkpoint stops it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-nm-'))
  try {
    const fake = (name: string, body: string) => (writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> "${dir}/calls"\n${body}\n`), chmodSync(join(dir, name), 0o755))
    fake('busctl', `echo 'o "/org/freedesktop/NetworkManager/Checkpoint/3"'`)
    fake('nmcli', 'true')
    const net = canned('network-fresh.txt')
    const change = nm.planRuntime(bridgeWish({ bridge: 'br0' }, net), withNm(net), { confirmTimeoutSec: 60 })!
    writeFileSync(join(dir, 'apply.sh'), change.apply)
    // As armScript runs it: a script of its own, in the cutover's directory.
    const run = () => spawnSync('/bin/sh', [join(dir, 'apply.sh')], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' })
    assert.is(run().status, 0)
    assert.is(readFileSync(join(dir, 'nm-checkpoint'), 'utf8'), '/org/freedesktop/NetworkManager/Checkpoint/3\n')
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
    assert.is(calls.length, 4)
    assert.match(calls[0], /CheckpointCreate aouu 0 70 7$/)
    assert.is(calls[1], 'nmcli connection reload')
    assert.match(calls[2], /^nmcli -w 30 connection up uuid [0-9a-f-]{36}$/)
    assert.is(calls[3], `nmcli -w 30 connection up uuid ${eth0Profile.uuid}`)
    // The confirmation finds the same path (confirmScript has the directory in $d).
    writeFileSync(join(dir, 'calls'), '')
    execFileSync('/bin/sh', ['-c', `d=${dir}\n${change.confirm}`], { env: { PATH: `${dir}:/usr/bin:/bin` } })
    assert.match(readFileSync(join(dir, 'calls'), 'utf8'), /CheckpointDestroy o \/org\/freedesktop\/NetworkManager\/Checkpoint\/3\n$/)
    rmSync(join(dir, 'nm-checkpoint'))
    fake('busctl', 'echo "Call failed: Access denied" >&2; exit 1')
    writeFileSync(join(dir, 'calls'), '')
    const failed = run()
    assert.is(failed.status, 1)
    assert.match(failed.stderr, /could not create a NetworkManager checkpoint/)
    assert.not.match(readFileSync(join(dir, 'calls'), 'utf8'), /nmcli/, 'nothing changes without a checkpoint')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("the rollback: the checkpoint first, then the files and NetworkManager's reload, the original profile where no checkpoint was rolled back, then iproute2 only where NM did not restore; a bridge NM left behind is deleted", () => {
  const net = canned('network-fresh.txt')
  const facts = withNm(net)
  const change = nm.planRuntime(bridgeWish({ bridge: 'br0' }, net), facts)!
  const r = nm.restore(change, facts, [{ path: `${KEYFILES}/eth0.nmconnection`, content: '[connection]\nid=eth0\n', mode: '0600', owner: 'root', group: 'root' }, { path: `${KEYFILES}/br0.nmconnection` }])
  const at = (re: RegExp) => {
    const i = r.script.search(re)
    assert.ok(i >= 0, `the rollback has ${re}`)
    return i
  }
  const order = [
    at(/^set \+e$/m),
    at(/read -r cp < "\$\{0%\/\*\}\/nm-checkpoint"/),
    at(/CheckpointRollback o "\$cp" >\/dev\/null \|\| nm_rolled_back=yes/),
    at(/chmod 0600 \/etc\/NetworkManager\/system-connections\/\.eth0\.nmconnection\.kvmplay-tmp/),
    at(/mv -f -- \/etc\/NetworkManager\/system-connections\/\.eth0\.nmconnection\.kvmplay-tmp \/etc\/NetworkManager\/system-connections\/eth0\.nmconnection/),
    at(/rm -f -- \/etc\/NetworkManager\/system-connections\/br0\.nmconnection/),
    at(/^nmcli connection reload$/m),
    at(new RegExp(`^\\[ "\\$nm_rolled_back" = yes \\] \\|\\| nmcli -w 20 connection up uuid ${eth0Profile.uuid}$`, 'm')),
    at(/^restored\(\) \{ ! ip link show br0 >\/dev\/null 2>&1 && ip -4 -o addr show dev eth0 \| grep -qF ' 198\.19\.3\.2\/24 ' && ip route show default \| grep -qF 'dev eth0'; \}$/m),
    at(/^addressed\(\) \{ ip -4 -o addr show dev eth0 \| grep -qF ' 198\.19\.3\.2\/24 ' && ip route show default \| grep -qF 'dev eth0'; \}$/m),
    at(/^i=0; until addressed /m),
    // A bridge NM made but does not manage outlives the checkpoint: deleted without waiting.
    at(/^ip link del br0 2>\/dev\/null$/m),
    at(/^if ! restored; then$/m),
    at(/ip link del br0 2>\/dev\/null\nip link set eth0 nomaster/),
    at(/ip addr add 198\.19\.3\.2\/24 dev eth0/),
    at(/ip route replace default via 198\.19\.3\.1 dev eth0/),
    at(/^fi$/m),
  ]
  assert.equal(order, [...order].sort((a, b) => a - b), 'in this order')
  assert.is((r.script.match(/^set \+e$/gm) ?? []).length, 1, 'one set +e: no command stops the rest')
  assert.not.match(r.script, /^set -e/m)
  assert.is(spawnSync('sh', ['-n'], { input: r.script }).status, 0)
  assert.match(r.describe, /^NetworkManager's checkpoint rolled back; no br0; eth0 198\.19\.3\.2\/24; default via 198\.19\.3\.1 dev eth0; 2 file\(s\)/)
})

test('the rollback run twice, or after NetworkManager rolled back by itself, fails harmlessly: a missing checkpoint file or a gone checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-nm-'))
  try {
    writeFileSync(join(dir, 'busctl'), `#!/bin/sh\necho "busctl $*" >> "${dir}/calls"; echo 'Call failed: Object does not exist at path' >&2; exit 1\n`)
    chmodSync(join(dir, 'busctl'), 0o755)
    const script = `${nm.planRuntime(bridgeWish({ bridge: 'br0' }, canned('network-fresh.txt')), withNm(canned('network-fresh.txt')))!.rollback}\necho "rolled back: $nm_rolled_back"`
    writeFileSync(join(dir, 'restore.sh'), script)
    const run = () => execFileSync('/bin/sh', [join(dir, 'restore.sh')], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    assert.is(run(), 'rolled back: no\n', 'no checkpoint file: nothing to roll back')
    writeFileSync(join(dir, 'nm-checkpoint'), '/org/freedesktop/NetworkManager/Checkpoint/9\n')
    assert.is(run(), 'rolled back: no\n', 'a gone checkpoint: the rollback fails and says so')
    assert.match(readFileSync(join(dir, 'calls'), 'utf8'), /CheckpointRollback o \/org\/freedesktop\/NetworkManager\/Checkpoint\/9/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
