/** Which network systems run on a host and what they persisted, parsed from the fact's output. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { networkSystemFact, parseNetworkSystem, splitTerse } from '../../src/facts/network-system.ts'

test("nmcli's terse fields: ':' splits, '\\' escapes a ':' or '\\' inside a value", () => {
  assert.equal(splitTerse('br0:uuid-1:bridge:br0:yes:/etc/NetworkManager/system-connections/br0.nmconnection'), ['br0', 'uuid-1', 'bridge', 'br0', 'yes', '/etc/NetworkManager/system-connections/br0.nmconnection'])
  assert.equal(splitTerse('Wired\\: office:u:802-3-ethernet::no:'), ['Wired: office', 'u', '802-3-ethernet', '', 'no', ''])
})

test('a NetworkManager host: its profiles, active or not, and where each is stored', () => {
  const sys = parseNetworkSystem(
    '@@NM\neth0:5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03:802-3-ethernet:eth0:yes:/etc/NetworkManager/system-connections/eth0.nmconnection\n' +
      'old:1a2b:802-3-ethernet::no:/etc/sysconfig/network-scripts/ifcfg-old\n@@NETPLAN\n',
  )
  assert.equal(sys.networkManager!.profiles, [
    { name: 'eth0', uuid: '5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03', type: '802-3-ethernet', device: 'eth0', active: true, filename: '/etc/NetworkManager/system-connections/eth0.nmconnection' },
    { name: 'old', uuid: '1a2b', type: '802-3-ethernet', device: undefined, active: false, filename: '/etc/sysconfig/network-scripts/ifcfg-old' },
  ])
  assert.equal([sys.netplan, sys.ifupdown, sys.networkScripts], [[], undefined, false])
})

test('netplan files parsed; ifupdown files as they are; the network scripts seen; nothing runs: no NetworkManager', () => {
  const sys = parseNetworkSystem(
    '@@NETPLAN\n@@FILE /etc/netplan/01-netcfg.yaml\nnetwork:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0:\n      addresses: [198.18.1.2/24]\n' +
      '@@FILE /etc/netplan/bad.yaml\n: : :\n  - [\n' +
      '@@IFUPDOWN\n@@FILE /etc/network/interfaces\nsource /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n@@NETWORK-SCRIPTS\n',
  )
  assert.is(sys.networkManager, undefined)
  assert.is(sys.netplan.length, 2)
  assert.equal((sys.netplan[0].config as { network: { ethernets: Record<string, unknown> } }).network.ethernets.eth0, { addresses: ['198.18.1.2/24'] })
  assert.is(sys.netplan[1].config, undefined, 'YAML that does not parse is kept, unparsed')
  assert.equal(sys.ifupdown, [{ path: '/etc/network/interfaces', content: 'source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n' }])
  assert.ok(sys.networkScripts)
})

test('systemd-networkd: whether it runs, the .network it applied to each link and its lease\'s client ID, its files in the order it reads them', () => {
  const sys = parseNetworkSystem(
    '@@NETPLAN\n@@NETWORKD running\n@@LINK lo - -\n@@LINK eth0 /etc/systemd/network/10-eth0.network FF8D2C4A1B0002\n@@LINK br0 /run/systemd/network/10-netplan-br0.network -\n' +
      '@@FILE /etc/systemd/network/10-eth0.network\n[Match]\nName=eth0\n@@FILE /etc/systemd/network/05-br0.netdev\n[NetDev]\nName=br0\n',
  )
  assert.equal(sys.networkd, {
    state: 'running',
    files: [
      { path: '/etc/systemd/network/05-br0.netdev', content: '[NetDev]\nName=br0\n' },
      { path: '/etc/systemd/network/10-eth0.network', content: '[Match]\nName=eth0\n' },
    ],
    links: [{ name: 'lo' }, { name: 'eth0', networkFile: '/etc/systemd/network/10-eth0.network', clientId: 'ff8d2c4a1b0002' }, { name: 'br0', networkFile: '/run/systemd/network/10-netplan-br0.network' }],
  })
  assert.is(parseNetworkSystem('@@NETPLAN\n@@NETWORKD enabled\n').networkd?.state, 'enabled')
  assert.is(parseNetworkSystem('@@NETPLAN\n').networkd, undefined)
})

test('ifupdown2 files in a section of their own: a host has ifupdown or ifupdown2, never both', () => {
  const sys = parseNetworkSystem('@@NETPLAN\n@@IFUPDOWN2\n@@FILE /etc/network/interfaces\nauto vmbr0\niface vmbr0 inet static\n')
  assert.equal(sys.ifupdown2, [{ path: '/etc/network/interfaces', content: 'auto vmbr0\niface vmbr0 inet static\n' }])
  assert.is(sys.ifupdown, undefined)
})

test("the script tells ifupdown2 (its ifreload, which ifupdown lacks) from ifupdown (an ifup alone)", () => {
  const bin = mkdtempSync(join(tmpdir(), 'kvmplay-ifup-'))
  try {
    const run = () => parseNetworkSystem(execFileSync('/bin/sh', ['-c', networkSystemFact.command()], { encoding: 'utf8', env: { PATH: bin } }))
    writeFileSync(join(bin, 'ifup'), '#!/bin/sh\n', { mode: 0o755 })
    const classic = run()
    assert.ok(classic.ifupdown && !classic.ifupdown2, 'ifup alone: ifupdown')
    writeFileSync(join(bin, 'ifreload'), '#!/bin/sh\n', { mode: 0o755 })
    const two = run()
    assert.ok(two.ifupdown2 && !two.ifupdown, 'ifreload too: ifupdown2')
  } finally {
    rmSync(bin, { recursive: true, force: true })
  }
})

test('the script runs in dash with no network system at all, and says so', () => {
  const out = execFileSync('/bin/sh', ['-c', networkSystemFact.command()], { encoding: 'utf8', env: { PATH: '/nonexistent' } })
  const sys = parseNetworkSystem(out)
  assert.equal([sys.networkManager, sys.ifupdown, sys.networkScripts, sys.networkd], [undefined, undefined, false, undefined])
})

test.run()
